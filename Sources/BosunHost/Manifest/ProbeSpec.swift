import BosunCore

/// A `readinessProbe`: one check (`httpGet`, `tcpSocket` or `exec`) and how often to run it.
struct ProbeSpec: Sendable, Hashable {
    enum Check: Sendable, Hashable {
        case httpGet(host: String, port: Int, path: String)
        case tcpSocket(host: String, port: Int)
        case exec(command: [String])
    }

    static let fields = ["httpGet", "tcpSocket", "exec", "periodSeconds", "timeoutSeconds", "failureThreshold", "initialDelaySeconds"]
    static let checks = ["httpGet", "tcpSocket", "exec"]

    var check: Check
    var period: Duration
    var timeout: Duration
    /// Consecutive failures after which a ready process counts as not ready again.
    var failureThreshold: Int
    var initialDelay: Duration

    init(_ probe: FieldReader) throws(ManifestError) {
        try probe.rejectUnknown(Self.fields)
        let present = Self.checks.filter { probe.has($0) }
        guard present.count == 1, let kind = present.first else {
            let found = present.isEmpty ? "none" : present.joined(separator: " and ")
            throw ManifestError(probe.path, "set exactly one of httpGet, tcpSocket or exec (found \(found)), for example `httpGet: { port: 8080, path: / }`")
        }
        switch kind {
        case "httpGet":
            let http = try FieldReader(probe.object["httpGet"], at: probe.field("httpGet"), example: "httpGet: { port: 8080, path: / }")
            try http.rejectUnknown(["port", "path", "host", "scheme"])
            if let scheme = try http.string("scheme", example: "HTTP"), scheme.uppercased() != "HTTP" {
                throw ManifestError(http.field("scheme"), "only HTTP is supported for probes, found \"\(scheme)\"")
            }
            var path = try http.string("path", example: "/healthz") ?? "/"
            if !path.hasPrefix("/") { path = "/" + path }
            guard !path.contains(where: { $0 == "\r" || $0 == "\n" || $0 == " " }) else {
                throw ManifestError(http.field("path"), "must not contain spaces or line breaks; percent-encode them")
            }
            check = .httpGet(host: try Self.host(http), port: try http.port("port"), path: path)
        case "tcpSocket":
            let tcp = try FieldReader(probe.object["tcpSocket"], at: probe.field("tcpSocket"), example: "tcpSocket: { port: 8080 }")
            try tcp.rejectUnknown(["port", "host"])
            check = .tcpSocket(host: try Self.host(tcp), port: try tcp.port("port"))
        default:
            let exec = try FieldReader(probe.object["exec"], at: probe.field("exec"), example: "exec: { command: [test, -f, ready] }")
            try exec.rejectUnknown(["command"])
            guard let command = try exec.stringList("command", example: "[test, -f, ready]"), !command.isEmpty, !command[0].isEmpty else {
                throw ManifestError(exec.field("command"), "missing or empty; name the program and its arguments, for example `command: [test, -f, ready]`")
            }
            check = .exec(command: command)
        }
        period = try probe.seconds("periodSeconds", default: 2, allowZero: false)
        timeout = try probe.seconds("timeoutSeconds", default: 1, allowZero: false)
        failureThreshold = try probe.positiveInt("failureThreshold", default: 3)
        initialDelay = try probe.seconds("initialDelaySeconds", default: 0)
    }

    private static func host(_ reader: FieldReader) throws(ManifestError) -> String {
        let host = try reader.string("host", example: "127.0.0.1") ?? "127.0.0.1"
        guard !host.isEmpty, !host.contains(where: { $0 == "/" || $0 == " " || $0 == "\r" || $0 == "\n" }) else {
            throw ManifestError(reader.field("host"), "expected a host name or IP address such as 127.0.0.1, found \"\(host)\"")
        }
        return host
    }

    /// What the probe does, as a person would write it: `GET http://127.0.0.1:8765/`.
    var summary: String {
        switch check {
        case .httpGet(let host, let port, let path): "GET http://\(Self.hostForURL(host)):\(port)\(path)"
        case .tcpSocket(let host, let port): "TCP connect \(Self.hostForURL(host)):\(port)"
        case .exec(let command): "exec \(command.joined(separator: " "))"
        }
    }

    static func hostForURL(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
}
