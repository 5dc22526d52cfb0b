import BosunStore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// Where the PostgreSQL store lives: parsed from a `postgres://user:password@host:port/database?sslmode=…`
    /// URL (libpq's form), with optional TLS files. The password is kept for connecting only:
    /// `description` and every error show the URL with `***` in its place.
    public struct Configuration: Sendable, CustomStringConvertible {
        /// How TLS is used, as libpq's `sslmode` names it.
        public enum TLSMode: String, Sendable, CaseIterable {
            /// No TLS.
            case disable
            /// TLS when the server offers it, without checking its certificate (libpq's default).
            case prefer
            /// TLS or no connection; the certificate is checked against `caFile` only when one is given.
            case require
            /// TLS with the certificate checked against `caFile` (or the system's roots), not the host name.
            case verifyCA = "verify-ca"
            /// TLS with the certificate and the host name checked.
            case verifyFull = "verify-full"
        }

        public let host: String
        public let port: Int
        public let database: String
        public let username: String
        public let tlsMode: TLSMode
        /// PEM file of the certificate authorities the server's certificate must chain to.
        public let caFile: String?
        /// PEM files of a client certificate and its key, for servers that ask for one.
        public let certificateFile: String?
        public let keyFile: String?
        /// How long opening a connection may take before it counts as failed.
        public var connectTimeout: Duration = .seconds(5)
        /// How long one store operation may wait for the database (a free connection included)
        /// before it fails: during an outage the engine gets an error, not a hang.
        public var operationTimeout: Duration = .seconds(10)
        /// The most connections this process opens.
        public var maximumConnections: Int = 20
        let password: String?

        /// Parses `url` (`postgres://` or `postgresql://`; user and password percent-encoded;
        /// port 5432 unless given) and checks that the TLS files exist.
        public init(url: String, caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) throws {
            func fail(_ why: String) -> StoreError {
                StoreError(operation: "reading the database URL \(Self.redacting(url))", message: why)
            }
            let schemes = ["postgres://", "postgresql://"]
            guard let scheme = schemes.first(where: { url.lowercased().hasPrefix($0) }) else {
                throw fail("it must start with postgres:// or postgresql:// (postgres://user:password@host:5432/database)")
            }
            var rest = Substring(url.dropFirst(scheme.count))
            var query: Substring = ""
            if let mark = rest.firstIndex(of: "?") {
                query = rest[rest.index(after: mark)...]
                rest = rest[..<mark]
            }
            // The user information ends at the last `@` (a password may hold `@` or `/` unescaped).
            var user: String?
            var password: String?
            if let at = rest.lastIndex(of: "@") {
                let userInfo = rest[..<at]
                rest = rest[rest.index(after: at)...]
                let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                guard let decodedUser = parts[0].removingPercentEncoding else { throw fail("the user name has a bad %-escape") }
                user = decodedUser
                if parts.count == 2 {
                    guard let decoded = parts[1].removingPercentEncoding else { throw fail("the password has a bad %-escape") }
                    password = decoded
                }
            }
            var hostPort = rest
            var path: Substring = ""
            if let slash = rest.firstIndex(of: "/") {
                hostPort = rest[..<slash]
                path = rest[rest.index(after: slash)...]
            }
            var host: Substring
            var portText: Substring?
            if hostPort.hasPrefix("[") {
                guard let close = hostPort.firstIndex(of: "]") else { throw fail("the IPv6 address has no closing ]") }
                host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
                let after = hostPort[hostPort.index(after: close)...]
                if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw fail("unexpected \(after) after the host") }
            } else if let colon = hostPort.lastIndex(of: ":") {
                host = hostPort[..<colon]
                portText = hostPort[hostPort.index(after: colon)...]
            } else {
                host = hostPort
            }
            guard !host.isEmpty else { throw fail("it names no host (postgres://user:password@host:5432/database)") }
            var port = 5432
            if let portText {
                guard let value = Int(portText), (1...65535).contains(value) else { throw fail("the port \"\(portText)\" is not a number from 1 to 65535") }
                port = value
            }
            guard let username = user, !username.isEmpty else {
                throw fail("it names no user (postgres://user:password@host:5432/database)")
            }
            guard let database = path.removingPercentEncoding else { throw fail("the database name has a bad %-escape") }
            guard !database.contains("/") else { throw fail("the database name \"\(database)\" contains a slash") }

            var mode = TLSMode.prefer
            for pair in query.split(separator: "&") where !pair.isEmpty {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(kv[0])
                let value = kv.count == 2 ? (kv[1].removingPercentEncoding ?? String(kv[1])) : ""
                switch key {
                case "sslmode":
                    guard let parsed = TLSMode(rawValue: value) else {
                        throw fail("sslmode=\(value) is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    mode = parsed
                default:
                    throw fail("the parameter \"\(key)\" is not supported (only sslmode)")
                }
            }
            if (certificateFile == nil) != (keyFile == nil) {
                throw fail("a client certificate needs both certificateFile and keyFile")
            }
            for (name, file) in [("caFile", caFile), ("certificateFile", certificateFile), ("keyFile", keyFile)] {
                guard let file else { continue }
                guard FileManager.default.isReadableFile(atPath: file) else {
                    throw StoreError(operation: "reading the store's TLS settings", message: "\(name) \(file) does not exist or is not readable")
                }
                if mode == .disable {
                    throw fail("\(name) is set but sslmode=disable turns TLS off; use sslmode=verify-full")
                }
            }
            self.host = String(host)
            self.port = port
            self.username = username
            self.password = password
            self.database = database.isEmpty ? username : database
            self.tlsMode = mode
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }

        /// The URL with the password replaced by `***`.
        public var description: String {
            let user = username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username
            let hostPart = host.contains(":") ? "[\(host)]" : host
            return "postgres://\(user)\(password == nil ? "" : ":***")@\(hostPart):\(port)/\(database)?sslmode=\(tlsMode.rawValue)"
        }

        /// `host:port/database`, how messages name the database.
        public var location: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

        /// `url` with whatever sits between the user's `:` and the `@` replaced by `***`.
        static func redacting(_ url: String) -> String {
            let beforeQuery = url[..<(url.firstIndex(of: "?") ?? url.endIndex)]
            guard let at = beforeQuery.lastIndex(of: "@") else { return url }
            let start = url.range(of: "://").map(\.upperBound) ?? url.startIndex
            guard start < at, let colon = url[start..<at].firstIndex(of: ":") else { return url }
            return String(url[...colon]) + "***" + String(url[at...])
        }

        /// NIOSSL's settings for the mode and files; nil without TLS.
        func tlsConfiguration() throws -> TLSConfiguration? {
            guard tlsMode != .disable else { return nil }
            var tls = TLSConfiguration.makeClientConfiguration()
            switch tlsMode {
            case .disable: return nil
            case .prefer: tls.certificateVerification = .none
            case .require: tls.certificateVerification = caFile == nil ? .none : .noHostnameVerification
            case .verifyCA: tls.certificateVerification = .noHostnameVerification
            case .verifyFull: tls.certificateVerification = .fullVerification
            }
            if let caFile { tls.trustRoots = .file(caFile) }
            if let certificateFile, let keyFile {
                do {
                    tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
                } catch {
                    throw StoreError(operation: "reading the store's TLS settings",
                                     message: "cannot load the client certificate \(certificateFile) with key \(keyFile): \(error)")
                }
            }
            return tls
        }

        /// The pool's settings.
        func clientConfiguration() throws -> PostgresClient.Configuration {
            let tls: PostgresClient.Configuration.TLS
            switch (tlsMode, try tlsConfiguration()) {
            case (.prefer, let config?): tls = .prefer(config)
            case (_, let config?): tls = .require(config)
            case (_, nil): tls = .disable
            }
            var config = PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: tls)
            config.options.connectTimeout = connectTimeout
            config.options.maximumConnections = maximumConnections
            config.options.additionalStartupParameters = [("application_name", "bosun")]
            return config
        }

        /// The settings of one connection outside the pool (the check and the migrations at start).
        func connectionConfiguration() throws -> PostgresConnection.Configuration {
            let tls: PostgresConnection.Configuration.TLS
            switch (tlsMode, try tlsConfiguration()) {
            case (.prefer, let config?): tls = .prefer(try NIOSSLContext(configuration: config))
            case (_, let config?): tls = .require(try NIOSSLContext(configuration: config))
            case (_, nil): tls = .disable
            }
            var config = PostgresConnection.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: tls)
            config.options.connectTimeout = .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000
                + connectTimeout.components.attoseconds / 1_000_000_000)
            config.options.additionalStartupParameters = [("application_name", "bosun")]
            return config
        }
    }
}
