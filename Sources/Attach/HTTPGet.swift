import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Plain GETs against a server's base URL with FoundationNetworking's URLSession (no extra
/// package to build). Errors are one line each, ready for a panel.
public struct HTTPGet: Sendable {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    let session: URLSession

    public init(timeout: Double) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpMaximumConnectionsPerHost = 2
        session = URLSession(configuration: configuration)
    }

    /// The body of `base` + `path` when the status is 200; otherwise a `Failure` naming the path.
    public func text(_ base: URL, _ path: String) async throws -> String {
        let url = base.appendingPathComponent(path)
        let (data, status): (Data, Int) = try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: URLRequest(url: url)) { data, response, error in
                if let error {
                    continuation.resume(throwing: Failure(description: "\(path): " + Self.oneLine(error.localizedDescription)))
                } else {
                    continuation.resume(returning: (data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
                }
            }
            task.resume()
        }
        guard status == 200 else { throw Failure(description: "\(path): HTTP \(status)") }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(description: "\(path): not UTF-8") }
        return text
    }

    /// A JSON object from `path`, nil when the server has no such endpoint or answers something else.
    public func json(_ base: URL, _ path: String) async -> Any? {
        guard let text = try? await text(base, path), let data = text.data(using: .utf8) else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
