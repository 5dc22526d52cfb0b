import ArgumentParser
import BosunCore
import BosunServer
import Crypto
import Foundation

/// `bosun token`: API tokens for `server.tokens`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create API tokens for the server's config.",
        subcommands: [CreateTokenCommand.self])
}

struct CreateTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Print a new random API token once, and the server.tokens entry that holds its hash.",
        discussion: """
            The config keeps only the token's SHA-256, so the token itself is shown once: store it \
            now (a password manager, a CI secret). Paste the entry under server.tokens in \
            bosun.yaml; a running server picks the edited file up by itself (or on SIGHUP). \
            Roles: viewer reads; operator also syncs, rolls back, pins and refreshes; admin may do \
            everything. Revoke a token by deleting its entry.

            Example:
              bosun token create ci --role operator
              bosun token create alice --role admin -o json
            """)

    @Argument(help: "A name for the token (who or what uses it); shown in the audit log.") var name: String
    @Option(help: "viewer, operator or admin.") var role: Role
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    struct Created: Encodable {
        var name: String
        var role: String
        var token: String
        var sha256: String
        var entry: String
    }

    func validate() throws {
        guard !name.isEmpty, name.count <= 63,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        else {
            throw ValidationError("token name \"\(name)\" must be 1–63 letters, digits, '-', '_' or '.' (it goes into the config as written)")
        }
    }

    func run() async throws {
        let token = Self.newToken()
        let hash = Authenticator.sha256Hex(token)
        let entry = "- { name: \(name), sha256: \"\(hash)\", role: \(role.rawValue) }"
        if output == .json {
            print(Format.json(Created(name: name, role: role.rawValue, token: token, sha256: hash, entry: entry)))
            return
        }
        print("""
            New API token "\(name)" (role \(role.rawValue)). It is shown only this once; store it now:

                \(token)

            Add this entry under server.tokens in bosun.yaml (the config keeps only the hash):

                server:
                  tokens:
                    \(entry)

            Then use it with --token or BOSUN_TOKEN, or sign in to the dashboard with it.
            """)
    }

    /// `bosun_` and 32 random bytes (a system CSPRNG), base64url: safe in headers, cookies and shells.
    static func newToken() -> String {
        let key = SymmetricKey(size: .bits256)
        let base64 = key.withUnsafeBytes { Data($0).base64EncodedString() }
        return "bosun_" + base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension Role: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
