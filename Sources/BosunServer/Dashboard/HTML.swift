import BosunCore
import Foundation

/// Small pieces of server-rendered HTML: escaping, badges, relative times, the page frame.
/// Every dynamic string goes through `esc` (or `attr`) before it reaches a page.
enum HTML {
    static func esc(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A path segment (application name) for a link.
    static func path(_ segment: String) -> String {
        esc(segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? segment)
    }

    /// A coloured badge; `kind` picks the colour family from the word itself.
    static func badge(_ word: String, title: String? = nil) -> String {
        let tone: String = switch word {
        case "Synced", "Healthy", "Succeeded": "good"
        case "OutOfSync", "Missing", "Suspended": "warn"
        case "Degraded", "Failed": "bad"
        case "Progressing", "Running": "busy"
        default: "muted"
        }
        let hint = title.flatMap { $0.isEmpty ? nil : #" title="\#(esc($0))""# } ?? ""
        return #"<span class="badge \#(tone)"\#(hint)>\#(esc(word))</span>"#
    }

    /// `<time>` with the exact time in its title; the script keeps the relative text fresh.
    static func time(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return #"<span class="muted">never</span>"# }
        let iso = ISO8601.format(date)
        return #"<time datetime="\#(iso)" title="\#(iso)">\#(esc(relative(date, now: now)))</time>"#
    }

    /// "just now", "3 min ago", "2 h ago", "5 days ago" (or "in 2 min" for the future).
    static func relative(_ date: Date, now: Date = Date()) -> String {
        let seconds = now.timeIntervalSince(date)
        let magnitude = abs(seconds)
        let text: String
        if magnitude < 10 { return "just now" }
        if magnitude < 60 { text = "\(Int(magnitude)) s" }
        else if magnitude < 3600 { text = "\(Int(magnitude / 60)) min" }
        else if magnitude < 86400 { text = "\(Int(magnitude / 3600)) h" }
        else { text = "\(Int(magnitude / 86400)) day\(Int(magnitude / 86400) == 1 ? "" : "s")" }
        return seconds >= 0 ? "\(text) ago" : "in \(text)"
    }

    /// A short SHA in a monospace chip, the full one in its title.
    static func sha(_ revision: String?) -> String {
        guard let revision, !revision.isEmpty else { return #"<span class="muted">—</span>"# }
        return #"<code class="sha" title="\#(esc(revision))">\#(esc(SourceRevision.short(revision)))</code>"#
    }

    static func duration(from start: Date, to end: Date?) -> String {
        guard let end else { return "running" }
        let seconds = max(0, end.timeIntervalSince(start))
        if seconds < 1 { return "\(Int(seconds * 1000)) ms" }
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        return "\(Int(seconds / 60)) min \(Int(seconds) % 60) s"
    }

    /// A unified diff with added and removed lines coloured.
    static func diff(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let css = line.hasPrefix("+++") || line.hasPrefix("---") ? "file" : line.hasPrefix("+") ? "add" : line.hasPrefix("-") ? "del" : line.hasPrefix("@@") ? "hunk" : ""
            return css.isEmpty ? esc(String(line)) : #"<span class="\#(css)">\#(esc(String(line)))</span>"#
        }
        return #"<pre class="diff">\#(lines.joined(separator: "\n"))</pre>"#
    }

    /// The page frame: header with who is signed in, the content in `<main>`, the script.
    static func page(title: String, identity: Identity?, open: Bool, app: String?, content: String) -> String {
        let who: String
        if open {
            who = #"<span class="who" title="No API tokens are configured; the server listens on loopback only.">open access (loopback)</span>"#
        } else if let identity {
            who = #"<span class="who">\#(esc(identity.name)) · \#(esc(identity.role.rawValue))</span><form method="post" action="/logout" class="inline"><button class="link" type="submit">Sign out</button></form>"#
        } else {
            who = #"<a href="/login">Sign in</a>"#
        }
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(esc(title)) · Bosun</title>
            <link rel="icon" href="/favicon.ico" type="image/svg+xml">
            <link rel="stylesheet" href="/assets/bosun.css">
            </head>
            <body data-app="\(esc(app ?? ""))">
            <header class="top">
              <a class="brand" href="/"><span class="logo">⚓</span> Bosun</a>
              <nav><a href="/">Applications</a></nav>
              <span class="live" id="live" title="Live updates">●</span>
              <div class="account">\(who)</div>
            </header>
            <div id="toast" role="status" aria-live="polite"></div>
            <main id="main">
            \(content)
            </main>
            <script src="/assets/bosun.js" defer></script>
            </body>
            </html>
            """
    }
}
