import BosunCore

/// One kind the API server serves, as discovery describes it.
public struct APIResource: Sendable, Hashable, CustomStringConvertible {
    /// Empty for the core group.
    public var group: String
    public var version: String
    public var kind: String
    /// The plural name in URLs: `deployments`.
    public var name: String
    public var namespaced: Bool
    public var verbs: [String]

    /// A resource as discovery lists it (tests and callers that know it may build one).
    public init(group: String, version: String, kind: String, name: String, namespaced: Bool, verbs: [String] = []) {
        self.group = group
        self.version = version
        self.kind = kind
        self.name = name
        self.namespaced = namespaced
        self.verbs = verbs
    }

    /// `apps/v1`, or `v1` for the core group.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `deployments.apps`, or `pods` for the core group, as RBAC and kubectl name it.
    public var qualifiedName: String { group.isEmpty ? name : "\(name).\(group)" }

    public var description: String { "\(apiVersion) \(kind)" }

    /// `/api/v1` or `/apis/apps/v1`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The collection URL path: in `namespace`, or across all namespaces when nil (and for
    /// cluster-scoped kinds).
    public func collectionPath(namespace: String?) -> String {
        if namespaced, let namespace, !namespace.isEmpty {
            return "\(groupVersionPath)/namespaces/\(URLPath.escape(namespace))/\(name)"
        }
        return "\(groupVersionPath)/\(name)"
    }

    /// The URL path of one object.
    public func objectPath(namespace: String?, name objectName: String) -> String {
        "\(collectionPath(namespace: namespaced ? namespace : nil))/\(URLPath.escape(objectName))"
    }

    /// The key an object of this kind has.
    public func key(namespace: String, name objectName: String) -> ResourceKey {
        ResourceKey(group: group, kind: kind, namespace: namespaced ? namespace : "", name: objectName)
    }
}

/// Percent-escaping for path segments and query values.
enum URLPath {
    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.append(Character(UnicodeScalar(byte)))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func query(_ items: [(String, String)]) -> String {
        items.isEmpty ? "" : "?" + items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
