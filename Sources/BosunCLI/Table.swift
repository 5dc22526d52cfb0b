import BosunCore
import Foundation

/// Columns padded to their widest cell, as `kubectl get` prints them.
struct Table {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }

    var rendered: String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}

enum Format {
    /// `3m ago`, `2h ago`, as people read times at a glance.
    static func ago(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        let seconds = Int(now.timeIntervalSince(date))
        if seconds < 5 { return "just now" }
        if seconds < 60 { return "\(seconds)s ago" }
        if seconds < 3600 { return "\(seconds / 60)m ago" }
        if seconds < 86400 { return "\(seconds / 3600)h ago" }
        return "\(seconds / 86400)d ago"
    }

    static func short(_ sha: String?) -> String {
        guard let sha, !sha.isEmpty else { return "-" }
        // A chart's revision (`podinfo@6.1.0`, or several sources' joined) reads whole.
        return SourceRevision.short(sha)
    }

    static func duration(_ start: Date, _ end: Date?) -> String {
        guard let end else { return "running" }
        let seconds = end.timeIntervalSince(start)
        return seconds < 10 ? String(format: "%.1fs", seconds) : "\(Int(seconds))s"
    }

    /// Pretty JSON of any Encodable, for `-o json`.
    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder.bosun
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}

/// ANSI colour, used only on a terminal.
enum Color {
    static func paint(_ text: String, _ code: String, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
    static func health(_ status: HealthCode, enabled: Bool) -> String {
        switch status {
        case .healthy: paint(status.rawValue, "32", enabled: enabled)
        case .progressing: paint(status.rawValue, "36", enabled: enabled)
        case .degraded, .missing: paint(status.rawValue, "31", enabled: enabled)
        default: paint(status.rawValue, "33", enabled: enabled)
        }
    }
    static func sync(_ status: SyncCode, enabled: Bool) -> String {
        status == .synced ? paint(status.rawValue, "32", enabled: enabled) : paint(status.rawValue, "33", enabled: enabled)
    }
}
