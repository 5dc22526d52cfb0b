import Foundation

/// A repository URL as Bosun hands it to git: local paths made absolute, credentials written
/// into the URL taken out (they go to git through the askpass helper instead).
struct RemoteURL: Sendable, Hashable {
    enum Kind: Sendable, Hashable { case local, file, http, ssh, scpLike, other }

    /// As written in the configuration (may contain credentials: never log it).
    let original: String
    /// What git is given: no password in it.
    let forGit: String
    /// For messages and logs.
    let redacted: String
    let kind: Kind
    /// Credentials that were written into an HTTP(S) URL, percent-decoded.
    let embeddedUsername: String?
    let embeddedPassword: String?

    init(_ url: String, currentDirectory: String = FileManager.default.currentDirectoryPath) throws(GitError) {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw GitError(.failed, "the repository URL is empty; set `url` to a remote such as https://host/org/repo.git or a local path")
        }
        guard !trimmed.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) else {
            throw GitError(.failed, "the repository URL \(redactURL(trimmed).debugDescription) contains a line break")
        }
        original = trimmed
        var username: String?
        var password: String?
        if let schemeEnd = trimmed.range(of: "://") {
            let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
            switch scheme {
            case "http", "https":
                kind = .http
                let split = Self.splitUserinfo(trimmed, schemeEnd: schemeEnd)
                username = split.userinfo.map { Self.userAndPassword($0).0 }
                password = split.userinfo.flatMap { Self.userAndPassword($0).1 }
                forGit = split.withoutUserinfo
            case "ssh", "git+ssh", "ssh+git":
                kind = .ssh
                forGit = trimmed.contains(":") ? Self.dropPassword(trimmed, schemeEnd: schemeEnd) : trimmed
            case "file":
                kind = .file
                forGit = trimmed
            default:
                kind = .other
                forGit = trimmed
            }
        } else if trimmed.contains("::") {
            // `transport::address` (remote helpers such as ext::): passed through as written.
            kind = .other
            forGit = trimmed
        } else if Self.isSCPLike(trimmed) {
            kind = .scpLike
            forGit = trimmed
        } else {
            kind = .local
            let expanded = (trimmed as NSString).expandingTildeInPath
            let absolute = expanded.hasPrefix("/")
                ? expanded : URL(fileURLWithPath: currentDirectory).appendingPathComponent(expanded).path
            forGit = URL(fileURLWithPath: absolute).standardizedFileURL.path
        }
        redacted = redactURL(forGit)
        embeddedUsername = username.flatMap { $0.isEmpty ? nil : $0 }
        embeddedPassword = password
    }

    /// git's rule: `[user@]host:path` when a colon comes before any slash.
    static func isSCPLike(_ url: String) -> Bool {
        guard let colon = url.firstIndex(of: ":") else { return false }
        if let slash = url.firstIndex(of: "/"), slash < colon { return false }
        return colon != url.startIndex
    }

    static func splitUserinfo(_ url: String, schemeEnd: Range<String.Index>) -> (userinfo: String?, withoutUserinfo: String) {
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return (nil, url) }
        let userinfo = String(rest[..<at])
        return (userinfo, String(url[..<schemeEnd.upperBound]) + rest[rest.index(after: at)...])
    }

    static func userAndPassword(_ userinfo: String) -> (String, String?) {
        guard let colon = userinfo.firstIndex(of: ":") else { return (userinfo.removingPercentEncoding ?? userinfo, nil) }
        let user = String(userinfo[..<colon])
        let password = String(userinfo[userinfo.index(after: colon)...])
        return (user.removingPercentEncoding ?? user, password.removingPercentEncoding ?? password)
    }

    /// ssh://user:password@host/… → ssh://user@host/… (ssh never uses a password from the URL).
    static func dropPassword(_ url: String, schemeEnd: Range<String.Index>) -> String {
        let split = splitUserinfo(url, schemeEnd: schemeEnd)
        guard let userinfo = split.userinfo else { return url }
        let user = userinfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        guard !user.isEmpty else { return split.withoutUserinfo }
        return split.withoutUserinfo.replacingOccurrences(of: "://", with: "://\(user)@", options: [], range: split.withoutUserinfo.range(of: "://"))
    }

    /// The mirror's folder name: a readable slug of the URL and a short hash of it, so two
    /// remotes never share a mirror and a person can tell which folder is which.
    var mirrorFolderName: String {
        var text = redacted
        if let schemeEnd = text.range(of: "://") { text = String(text[schemeEnd.upperBound...]) }
        if text.hasSuffix(".git") { text.removeLast(4) }
        var slug = ""
        var lastWasDash = true
        for scalar in text.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "_" {
                slug.unicodeScalars.append(scalar)
                lastWasDash = false
            } else if !lastWasDash {
                slug += "-"
                lastWasDash = true
            }
        }
        slug = String(slug.trimmingCharacters(in: CharacterSet(charactersIn: "-.")).suffix(48))
        if slug.hasPrefix("-") || slug.hasPrefix(".") { slug.removeFirst() }
        return (slug.isEmpty ? "repo" : slug) + "-" + Self.shortHash(forGit) + ".git"
    }

    /// FNV-1a over the URL: stable across runs and platforms (Swift's `hashValue` is not).
    static func shortHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(12))
    }
}
