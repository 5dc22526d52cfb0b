import BosunCore
import Crypto
import Foundation

/// Who made a request: the token's name and role (or the open server's stand-in).
public struct Identity: Sendable, Hashable {
    public var name: String
    public var role: Role
    /// Signed in through the dashboard's cookie rather than an `Authorization` header.
    public var viaCookie: Bool

    public init(name: String, role: Role, viaCookie: Bool = false) {
        self.name = name
        self.role = role
        self.viaCookie = viaCookie
    }

    /// The stand-in for every caller of a server without tokens.
    static func open(viaCookie: Bool) -> Identity { Identity(name: "anonymous", role: .admin, viaCookie: viaCookie, isOpenAccess: true) }

    /// No token was checked: the server has none and listens on loopback.
    public private(set) var isOpenAccess = false

    init(name: String, role: Role, viaCookie: Bool, isOpenAccess: Bool) {
        self.init(name: name, role: role, viaCookie: viaCookie)
        self.isOpenAccess = isOpenAccess
    }
}

/// Checks API tokens against `server.tokens` (name, SHA-256, role). Tokens are never kept or
/// logged: only their hashes are compared, in constant time, against every configured entry.
public struct Authenticator: Sendable {
    /// The configured tokens now (read at each request, so a config reload takes effect).
    let tokens: @Sendable () async -> [APITokenSpec]
    /// Whether no tokens means "allow everything": only on a loopback listener.
    let openWhenNoTokens: Bool

    public init(openWhenNoTokens: Bool, tokens: @escaping @Sendable () async -> [APITokenSpec]) {
        self.tokens = tokens
        self.openWhenNoTokens = openWhenNoTokens
    }

    /// What a request may do, from its presented token (nil: none presented).
    enum Outcome: Sendable, Equatable {
        case allowed(Identity)
        /// No token, or one that matches no entry.
        case unauthenticated(String)
    }

    func authenticate(token: String?, viaCookie: Bool) async -> Outcome {
        let configured = await tokens()
        if configured.isEmpty {
            if openWhenNoTokens { return .allowed(.open(viaCookie: viaCookie)) }
            return .unauthenticated("this server has no API tokens configured; add server.tokens (`bosun token create NAME --role R`)")
        }
        guard let token, !token.isEmpty else {
            return .unauthenticated("an API token is required: send `Authorization: Bearer <token>`")
        }
        guard let match = Self.match(token: token, in: configured) else {
            return .unauthenticated("the API token is not valid (unknown or revoked)")
        }
        return .allowed(Identity(name: match.name, role: match.role, viaCookie: viaCookie))
    }

    /// The entry whose hash is the token's, comparing with every entry so the time taken says
    /// nothing about which entry (or how much of a hash) matched.
    static func match(token: String, in entries: [APITokenSpec]) -> APITokenSpec? {
        let hash = Array(sha256Hex(token).utf8)
        var found: APITokenSpec?
        for entry in entries where ConstantTime.equal(Array(entry.sha256.utf8), hash) {
            found = found ?? entry
        }
        return found
    }

    /// Lowercase hex SHA-256, the form `server.tokens[].sha256` holds.
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Comparison whose time depends only on the lengths, never on where the inputs differ.
public enum ConstantTime {
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
