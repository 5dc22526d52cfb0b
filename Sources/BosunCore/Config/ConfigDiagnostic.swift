/// One problem found in a config file: where, which field, what is wrong and how to fix it.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The field path, as `applications[0].sync.interval`.
    public var path: String
    public var message: String
    public var fix: String?

    public init(file: String, line: Int, column: Int, path: String, message: String, fix: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.fix = fix
    }

    public var description: String {
        var s = "\(file):\(line):\(column): \(path.isEmpty ? "" : "\(path): ")\(message)"
        if let fix { s += " (\(fix))" }
        return s
    }
}

/// Every problem of a config, reported together.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]
    public init(_ diagnostics: [ConfigDiagnostic]) { self.diagnostics = diagnostics }
    public var description: String {
        (diagnostics.map(\.description) + ["\(diagnostics.count) problem\(diagnostics.count == 1 ? "" : "s") found"])
            .joined(separator: "\n")
    }
}

/// The known word closest to `word`, when it is close enough to be a likely typo.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    let lower = word.lowercased()
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(lower, candidate.lowercased())
        if best == nil || distance < best!.1 { best = (candidate, distance) }
    }
    guard let best, best.1 <= max(2, word.count / 3) else { return nil }
    return best.0
}

/// The `limit` known words closest to `word`, closest first.
public func closestMatches(to word: String, in candidates: [String], limit: Int) -> [String] {
    let lower = word.lowercased()
    return candidates.map { ($0, editDistance(lower, $0.lowercased())) }
        .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        .prefix(limit).map(\.0)
}

/// Levenshtein distance.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
