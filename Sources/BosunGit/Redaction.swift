/// Strips `user:password` (and, for HTTP(S), a bare user, which is often a token) from a URL
/// before it is logged or put in an error. SSH users (`git@host`) are kept: they are not secret.
///
///     redactURL("https://bot:s3cret@git.example.com/acme/deploy.git")
///     // "https://git.example.com/acme/deploy.git"
public func redactURL(_ url: String) -> String {
    guard let schemeEnd = url.range(of: "://") else { return url }
    let scheme = url[..<schemeEnd.lowerBound].lowercased()
    let rest = url[schemeEnd.upperBound...]
    let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
    let authority = rest[..<authorityEnd]
    guard let at = authority.lastIndex(of: "@") else { return url }
    let userinfo = authority[..<at]
    let host = authority[authority.index(after: at)...]
    let keepUser = !userinfo.contains(":") && !(scheme == "http" || scheme == "https")
    let kept = keepUser ? "\(userinfo)@" : ""
    return "\(url[..<schemeEnd.upperBound])\(kept)\(host)\(rest[authorityEnd...])"
}

/// Removes credentials from free text such as git's standard error: every URL's user
/// information, and every known secret value (passwords read from the environment).
func redactSecrets(in text: String, secrets: [String] = []) -> String {
    var result = ""
    var remaining = Substring(text)
    // Each "scheme://" starts a URL; redact up to the next whitespace or quote.
    while let marker = remaining.range(of: "://") {
        var start = marker.lowerBound
        while start > remaining.startIndex {
            let previous = remaining.index(before: start)
            let c = remaining[previous]
            guard c.isLetter || c.isNumber || c == "+" || c == "-" || c == "." else { break }
            start = previous
        }
        let end = remaining[marker.upperBound...].firstIndex(where: { $0.isWhitespace || "'\"<>`".contains($0) })
            ?? remaining.endIndex
        result += remaining[..<start]
        result += redactURL(String(remaining[start..<end]))
        remaining = remaining[end...]
    }
    result += remaining
    for secret in secrets where secret.count >= 3 {
        result = result.replacingOccurrences(of: secret, with: "***")
    }
    return result
}
