import Foundation

/// Debian's `docker-registry` (the CNCF distribution registry) on loopback for tests,
/// anonymous or with htpasswd basic auth; charts pushed through the registry HTTP API with
/// Helm's media types, as `helm push` does.
public final class RegistryServer: @unchecked Sendable {
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry") }

    public let port: Int
    let process: Process
    let directory: URL
    let credentials: (String, String)?

    /// `host:port`, for `oci://` URLs.
    public var host: String { "127.0.0.1:\(port)" }
    public var url: String { "http://\(host)" }

    public init(directory: URL, username: String? = nil, password: String? = nil) async throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try await Self.freePort()
        var auth = ""
        if let username, let password {
            credentials = (username, password)
            let hash = try await Shell.run(["python3", "-W", "ignore", "-c",
                                      "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", password])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let htpasswd = directory.appendingPathComponent("htpasswd")
            try Data("\(username):\(hash)\n".utf8).write(to: htpasswd)
            auth = "auth:\n  htpasswd:\n    realm: bosun-test\n    path: \(htpasswd.path)\n"
        } else {
            credentials = nil
        }
        let config = """
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: \(directory.appendingPathComponent("data").path)
            http:
              addr: 127.0.0.1:\(port)
            \(auth)
            """
        let file = directory.appendingPathComponent("config.yml")
        try Data(config.utf8).write(to: file)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", file.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let code = try await Shell.execute(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/v2/"]).stdout
            if code == "200" || code == "401" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw Shell.Failure(command: ["docker-registry", "serve"], status: 1, stdout: "", stderr: "the registry did not answer within 30 s")
    }

    /// SIGKILL: a child of the test runner may inherit a signal mask that blocks SIGTERM.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    static func freePort() async throws -> Int {
        let text = try await Shell.run(["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw Shell.Failure(command: [], status: 1, stdout: text, stderr: "no port") }
        return port
    }

    var auth: [String] { credentials.map { ["-u", "\($0.0):\($0.1)"] } ?? [] }

    /// Pushes `chart` as `<path>/<name>:<version>` (config, chart layer, OCI manifest).
    public func push(_ chart: ChartFixture, path: String, work: URL) async throws {
        let archive = try chart.package(into: work)
        let name = path.isEmpty ? chart.name : "\(path)/\(chart.name)"
        let config = Data("{\"name\":\"\(chart.name)\",\"version\":\"\(chart.version)\",\"apiVersion\":\"v2\"}".utf8)
        let configDigest = try await upload(config, name: name, work: work)
        let layerDigest = try await upload(archive, name: name, work: work)
        let manifest = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"\(configDigest)","size":\(config.count)},\
            "layers":[{"mediaType":"application/vnd.cncf.helm.chart.content.v1.tar+gzip","digest":"\(layerDigest)","size":\(archive.count)}]}
            """
        let file = work.appendingPathComponent("manifest-\(UUID().uuidString.prefix(6)).json")
        try Data(manifest.utf8).write(to: file)
        let tag = chart.version.replacingOccurrences(of: "+", with: "_")
        let code = try await Shell.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT"] + auth + [
            "-H", "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary", "@\(file.path)",
            "\(url)/v2/\(name)/manifests/\(tag)"])
        guard code == "201" else { throw Shell.Failure(command: ["push manifest"], status: 1, stdout: code, stderr: "manifest PUT answered \(code)") }
    }

    func upload(_ data: Data, name: String, work: URL) async throws -> String {
        let digest = "sha256:" + ChartFixture.sha256(data)
        let headers = try await Shell.run(["curl", "-s", "-i", "-X", "POST"] + auth + ["\(url)/v2/\(name)/blobs/uploads/"])
        guard let location = headers.split(whereSeparator: \.isNewline).first(where: { $0.lowercased().hasPrefix("location:") })
            .map({ $0.dropFirst("location:".count).trimmingCharacters(in: .whitespaces) })
        else { throw Shell.Failure(command: ["upload"], status: 1, stdout: headers, stderr: "no Location") }
        let absolute = location.hasPrefix("http") ? location : url + location
        let file = work.appendingPathComponent("blob-\(UUID().uuidString.prefix(6))")
        try data.write(to: file)
        let code = try await Shell.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT"] + auth + [
            "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file.path)",
            "\(absolute)\(absolute.contains("?") ? "&" : "?")digest=\(digest)"])
        guard code == "201" else { throw Shell.Failure(command: ["upload blob"], status: 1, stdout: code, stderr: "blob PUT answered \(code)") }
        return digest
    }
}
