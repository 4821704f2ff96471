import Foundation

/// Who a server says it is: the model from `/v1/models`, the version from `/version` (vLLM, pdscope
/// serve) or `/props` (llama.cpp), and whether `/v1/models` names pdscope as the owner.
public struct ServerIdentity: Equatable, Sendable {
    public var model: String?
    public var version: String?
    public var ownedBy: String?
    /// The context the model is served with (`max_model_len` of vLLM's and pdscope's /v1/models).
    public var contextLength: Int?

    public init(model: String? = nil, version: String? = nil, ownedBy: String? = nil, contextLength: Int? = nil) {
        self.model = model; self.version = version; self.ownedBy = ownedBy; self.contextLength = contextLength
    }

    /// Reads what the server offers; any endpoint may be missing.
    public static func fetch(_ base: URL, using http: HTTPGet) async -> ServerIdentity {
        var identity = ServerIdentity()
        if let models = await http.json(base, "v1/models") as? [String: Any],
           let first = (models["data"] as? [[String: Any]])?.first {
            identity.model = first["id"] as? String
            identity.ownedBy = first["owned_by"] as? String
            identity.contextLength = first["max_model_len"] as? Int
        }
        if let version = await http.json(base, "version") as? [String: Any] {
            identity.version = version["version"] as? String
        } else if let props = await http.json(base, "props") as? [String: Any] {
            identity.version = props["build_info"] as? String
        }
        return identity
    }
}
