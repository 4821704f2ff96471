import Attach
import Foundation

/// `attach --listen HOST:PORT --no-dashboard`: the proxy (and `--record`) without a terminal, for
/// scripts, services and tests. Runs until SIGINT or SIGTERM (the proxy's server stops on them),
/// then closes the recording and exits 0.
enum AttachHeadless {
    static func run(_ command: AttachCommand, scraper: Scraper, address: (host: String, port: Int)) throws {
        scraper.start()
        defer { scraper.stop() }
        var recorder: AttachRecorder?
        if let path = command.record {
            let opened = AttachRecorder(scraper: scraper)
            // The header names the served model: give the servers a moment to answer first.
            waitForFirstScrapes(scraper)
            printError("recording to \(try opened.start(path: path))")
            recorder = opened
        }
        let failure = ProxyFailure()
        let finished = DispatchSemaphore(value: 0)
        let proxy = AttachProxy(scraper: scraper) { [recorder] event in recorder?.receive(event) }
        Task.detached {
            do {
                try await proxy.run(host: address.host, port: address.port) { port in
                    printError("listening on http://\(address.host):\(port)")
                }
            } catch { failure.set("--listen \(address.host):\(address.port): \(error)") }
            finished.signal()
        }
        finished.wait()
        if let line = recorder?.stop() { printError("pdscope: \(line)") }
        if let message = failure.message { throw CLIError(message) }
        printError("pdscope attach: stopped")
    }

    /// Until every server was scraped once (answered or not), at most a few seconds.
    static func waitForFirstScrapes(_ scraper: Scraper, timeout: Double = 10) {
        let deadline = Date().addingTimeInterval(timeout)
        while scraper.scrapes().contains(where: { $0 < 1 }) && Date() < deadline { usleep(20_000) }
    }
}
