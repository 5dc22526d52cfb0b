import BosunCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Kubernetes' `readinessProbe`, which kube play ignores, run by Bosun: `httpGet` and
/// `tcpSocket` against the pod (loopback for `hostNetwork` pods), `exec` through the API.
enum PodmanProbe {
    /// Nil when the probe passes, else why it failed.
    static func check(_ probe: JSONObject, container: String, host: String, client: PodmanClient) async -> String? {
        let timeout = Duration.seconds(max(1, probe["timeoutSeconds"]?.intValue ?? 1))
        if let http = probe["httpGet"]?.objectValue {
            guard let port = http["port"]?.intValue else { return "httpGet.port must be a number on Podman" }
            let scheme = (http["scheme"]?.stringValue ?? "HTTP").lowercased()
            var path = http["path"]?.stringValue ?? "/"
            if !path.hasPrefix("/") { path = "/" + path }
            let target = http["host"]?.stringValue ?? host
            let url = "\(scheme)://\(target.contains(":") ? "[\(target)]" : target):\(port)\(path)"
            do {
                let status = try await client.probeGET(url, timeout: timeout)
                return (200..<400).contains(status) ? nil : "GET \(url) answered \(status)"
            } catch {
                return "GET \(url): \(error)"
            }
        }
        if let tcp = probe["tcpSocket"]?.objectValue {
            guard let port = tcp["port"]?.intValue else { return "tcpSocket.port must be a number on Podman" }
            let target = tcp["host"]?.stringValue ?? host
            return await connects(target, port: port, timeout: timeout) ? nil : "nothing accepts connections on \(target):\(port)"
        }
        if let command = probe["exec"]?["command"]?.arrayValue?.compactMap(\.stringValue), !command.isEmpty {
            do {
                let code = try await client.exec(container, command: command, timeout: timeout + .seconds(5))
                return code == 0 ? nil : "\(command.joined(separator: " ")) exited with code \(code)"
            } catch {
                return "\(command.joined(separator: " ")): \(error)"
            }
        }
        return nil
    }

    /// Whether a TCP connection to `host:port` (IPv4) opens within `timeout`.
    static func connects(_ host: String, port: Int, timeout: Duration) async -> Bool {
        await Task.detached {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            return result == 0
        }.value
    }
}

extension PodmanClient {
    /// The status of a plain GET (a readiness probe), through the same HTTP client.
    func probeGET(_ url: String, timeout: Duration) async throws -> Int {
        try await probe(url, timeout: timeout)
    }

    /// Runs a command in a container and waits for its exit code.
    func exec(_ container: String, command: [String], timeout: Duration) async throws -> Int {
        let create: JSONValue = ["Cmd": .array(command.map { .string($0) }), "AttachStdout": true, "AttachStderr": true]
        guard let id = try await json(.init(method: .POST, path: "/containers/\(container)/exec", body: Array(create.jsonString().utf8), operation: "exec"))?["Id"]?.stringValue
        else { throw TargetError(.transient, "Podman created no exec session") }
        let start: JSONValue = ["Detach": false, "Tty": false]
        _ = try await send(.init(method: .POST, path: "/exec/\(id)/start", body: Array(start.jsonString().utf8), operation: "exec"), timeout: timeout)
        let inspect = try await json(.init(path: "/exec/\(id)/json", operation: "exec"))
        return inspect?["ExitCode"]?.intValue ?? -1
    }
}
