import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// One POST to an upstream server whose response arrives piece by piece: first its status and
/// headers, then the body in the splits the network gives (URLSession's data delegate).
final class UpstreamStream: NSObject, URLSessionDataDelegate, Sendable {
    /// Body bytes carry the time they arrived (the proxy's clock), not the time they were read:
    /// the reader may lag behind the network while it writes to the client.
    enum Part: Sendable { case status(Int), bytes(Data, Double) }

    let parts: AsyncThrowingStream<Part, Error>
    private let continuation: AsyncThrowingStream<Part, Error>.Continuation
    /// Set once in init (it needs `self` as its delegate first).
    private let session = Mutex<URLSession?>(nil)
    private let clock: @Sendable () -> Double

    init(url: URL, body: Data, timeout: Double, clock: @escaping @Sendable () -> Double) {
        self.clock = clock
        (parts, continuation) = AsyncThrowingStream<Part, Error>.makeStream()
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        self.session.withLock { $0 = session }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        session.dataTask(with: request).resume()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        continuation.yield(.status((response as? HTTPURLResponse)?.statusCode ?? 0))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation.yield(.bytes(data, clock()))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error { continuation.finish(throwing: HTTPGet.Failure(description: HTTPGet.oneLine(error.localizedDescription))) }
        else { continuation.finish() }
        session.finishTasksAndInvalidate()
    }

    func cancel() { session.withLock { $0 }?.invalidateAndCancel() }
}
