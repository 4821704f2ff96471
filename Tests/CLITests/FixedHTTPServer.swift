import Foundation
import Synchronization

/// A loopback HTTP server that answers every request with one fixed 200 body (a stand-in for a
/// server whose /metrics is garbage). Real sockets on 127.0.0.1, a free port, one thread.
final class FixedHTTPServer: Sendable {
    let port: Int
    private let socketFD: Int32
    private let body: String
    private let isStopped = Mutex(false)

    init(body: String) throws {
        self.body = body
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        socketFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in serve() }.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private func serve() {
        while true {
            let client = accept(socketFD, nil, nil)
            guard client >= 0 else { return }   // closed by stop()
            var buffer = [UInt8](repeating: 0, count: 4096)
            var request = Data()
            while !request.contains("\r\n\r\n".data(using: .utf8)!) {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { break }
                request.append(contentsOf: buffer[0..<n])
            }
            let payload = Array(body.utf8)
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
            let bytes = Array(head.utf8) + payload
            _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            close(client)
        }
    }

    /// Closes the socket once: a second close could hit a descriptor reused meanwhile.
    func stop() {
        guard !isStopped.withLock({ stopped in defer { stopped = true }; return stopped }) else { return }
        shutdown(socketFD, Int32(SHUT_RDWR)); close(socketFD)
    }
    deinit { stop() }
}

/// A loopback port with nothing listening on it (bound, then closed).
func unusedLoopbackPort() throws -> Int {
    let server = try FixedHTTPServer(body: "")
    let port = server.port
    server.stop()
    return port
}
