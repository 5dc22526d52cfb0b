import ArgumentParser
import BosunCore
import Foundation
import KubernetesSimulator

#if canImport(Glibc)
import Glibc
#endif

/// How fast the Kubernetes simulator serves, so it is never the bottleneck of Bosun's own
/// benchmarks: server-side applies and GETs per second over HTTP (keep-alive connections, latency
/// 0), and the memory it needs to hold many objects. Targets: 5,000 applies/s, 20,000 GETs/s,
/// 100,000 objects in under 1 GB. Prints figures; asserts nothing.
struct SimulatorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Kubernetes simulator: applies/s, GETs/s over HTTP, memory for many objects.")

    @Option(help: "Concurrent keep-alive connections.")
    var connections = 8

    @Option(help: "Server-side applies to send.")
    var applies = 20_000

    @Option(help: "GETs to send.")
    var gets = 100_000

    @Option(help: "Objects to hold for the memory figure.")
    var objects = 100_000

    @Option(help: "Where the simulator runs: process (the kubernetes-simulator executable), in-process, or both.")
    var server = "both"

    @Flag(name: .customLong("no-controllers"), help: "Run the simulator without its controllers (no status writes).")
    var noControllers = false

    func run() async throws {
        print("\(ProcessInfo.processInfo.activeProcessorCount) cores, \(connections) keep-alive connections, latency 0")
        if server == "process" || server == "both" {
            guard let executable = Self.simulatorExecutable() else {
                print("kubernetes-simulator is not built beside bosun-bench: swift build -c release --product kubernetes-simulator")
                return
            }
            let child = Process()
            child.executableURL = executable
            child.arguments = ["--port", "0", "--controller-delay-ms", "500"] + (noControllers ? ["--no-controllers"] : [])
            let output = Pipe()
            child.standardOutput = output
            try child.run()
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            guard let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
                print("kubernetes-simulator did not start: \(line)")
                child.terminate()
                return
            }
            print("— kubernetes-simulator executable (pid \(child.processIdentifier), port \(port))")
            await requests(port: port)
            await hold(port: port, pid: child.processIdentifier)
            child.terminate()
            child.waitUntilExit()
        }
        if server == "in-process" || server == "both" {
            var options = SimulatorOptions()
            options.controllersEnabled = !noControllers
            let simulator = try await KubernetesSimulator.start(options)
            print("— in-process simulator (port \(simulator.port)), Swift Concurrency on its default executor")
            await requests(port: simulator.port)
            await simulator.stop()
            try await memory()
        }
    }

    /// Applies and GETs over HTTP.
    func requests(port: Int) async {
        // Server-side applies of ConfigMaps: creates, then changes of every one of them.
        let configMapRequests = (0..<applies).map { i in
            Self.applyRequest(path: "/api/v1/namespaces/default/configmaps/bench-\(i)?fieldManager=bench", body: Self.configMap("bench-\(i)", i, color: "blue"))
        }
        print(await Self.load(port: port, requests: configMapRequests, connections: connections).line("apply (create) ConfigMap"))
        let changes = (0..<applies).map { i in
            Self.applyRequest(path: "/api/v1/namespaces/default/configmaps/bench-\(i)?fieldManager=bench", body: Self.configMap("bench-\(i)", i, color: "green"))
        }
        print(await Self.load(port: port, requests: changes, connections: connections).line("apply (change) ConfigMap"))

        // Deployments are bigger and have more list merging.
        let deploymentCount = max(1, applies / 4)
        let deployments = (0..<deploymentCount).map { i in
            Self.applyRequest(path: "/apis/apps/v1/namespaces/default/deployments/web-\(i)?fieldManager=bench", body: Self.deployment("web-\(i)", image: "nginx:1.27"))
        }
        print(await Self.load(port: port, requests: deployments, connections: connections).line("apply (create) Deployment"))
        let rollouts = (0..<deploymentCount).map { i in
            Self.applyRequest(path: "/apis/apps/v1/namespaces/default/deployments/web-\(i)?fieldManager=bench", body: Self.deployment("web-\(i)", image: "nginx:1.28"))
        }
        print(await Self.load(port: port, requests: rollouts, connections: connections).line("apply (change) Deployment"))

        // GETs of existing objects.
        let getRequests = (0..<gets).map { i in Self.getRequest("/api/v1/namespaces/default/configmaps/bench-\(i % applies)") }
        print(await Self.load(port: port, requests: getRequests, connections: connections).line("GET ConfigMap"))
        let deploymentGets = (0..<gets / 4).map { i in Self.getRequest("/apis/apps/v1/namespaces/default/deployments/web-\(i % deploymentCount)") }
        print(await Self.load(port: port, requests: deploymentGets, connections: connections).line("GET Deployment"))
    }

    /// Fills the executable up to `objects` ConfigMaps (by server-side apply) and reads its memory.
    func hold(port: Int, pid: Int32) async {
        let before = Self.residentBytes(pid: pid)
        let more = (applies..<max(applies, objects)).map { i in
            Self.applyRequest(path: "/api/v1/namespaces/default/configmaps/bench-\(i)?fieldManager=bench", body: Self.configMap("bench-\(i)", i, color: "blue"))
        }
        let result = await Self.load(port: port, requests: more, connections: connections)
        print(result.line("apply (create) more"))
        let after = Self.residentBytes(pid: pid)
        let held = max(applies, objects) + max(1, applies / 4)
        print(String(format: "%-28@ %9d objects  resident %6.1f MB (%6.1f MB before the last %d)",
                     "hold (executable)" as NSString, held, Double(after) / 1e6, Double(before) / 1e6, more.count))
    }

    static func configMap(_ name: String, _ i: Int, color: String) -> String {
        #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)","labels":{"app":"bench","shard":"\#(i % 16)"}},"data":{"index":"\#(i)","color":"\#(color)","size":"medium"}}"#
    }

    static func simulatorExecutable() -> URL? {
        let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("kubernetes-simulator")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }

    /// Resident memory of a fresh simulator holding `objects` ConfigMaps written by server-side apply.
    func memory() async throws {
        var options = SimulatorOptions()
        options.controllersEnabled = false
        let before = Self.residentBytes()
        let simulator = try await KubernetesSimulator.start(options)
        let api = simulator.api
        guard let configMaps = try? api.type(apiVersion: "v1", kind: "ConfigMap") else { return }
        let started = ContinuousClock.now
        for i in 0..<objects {
            let name = "held-\(i)"
            let object: JSONObject = [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": .string(name), "namespace": "default", "labels": ["app": "bench", "shard": .string(String(i % 16))]],
                "data": ["index": .string(String(i)), "color": "blue", "size": "medium"],
            ]
            _ = try api.apply(configMaps, namespace: "default", name: name, configuration: object, options: WriteOptions(fieldManager: "bench"))
        }
        let elapsed = ContinuousClock.now - started
        let after = Self.residentBytes()
        let perSecond = Double(objects) / Self.seconds(elapsed)
        print(String(format: "%-28@ %9d objects  %8.0f/s in-process   resident %6.1f MB (+%6.1f MB, %5.0f bytes/object)",
                     "hold ConfigMaps" as NSString, objects, perSecond, Double(after) / 1e6, Double(after - before) / 1e6,
                     Double(after - before) / Double(max(1, objects))))
        await simulator.stop()
    }

    // MARK: Requests

    static func deployment(_ name: String, image: String) -> String {
        #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"\#(name)","labels":{"app":"\#(name)"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"\#(name)"}},"template":{"metadata":{"labels":{"app":"\#(name)"}},"spec":{"containers":[{"name":"web","image":"\#(image)","ports":[{"containerPort":80}],"env":[{"name":"MODE","value":"fast"}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"}}}]}}}}"#
    }

    static func applyRequest(path: String, body: String) -> [UInt8] {
        Array("PATCH \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/apply-patch+yaml\r\nAccept: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    static func getRequest(_ path: String) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n".utf8)
    }

    // MARK: Load

    struct LoadResult {
        var requests: Int
        var seconds: Double
        var statuses: [Int: Int]
        var bytes: Int

        func line(_ label: String) -> String {
            let rate = Double(requests) / max(seconds, 1e-9)
            let codes = statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
            return String(format: "%-28@ %9d requests %8.0f/s  %6.1f µs/request  %7.1f MB received  [%@]",
                          label as NSString, requests, rate, seconds * 1e6 / Double(max(1, requests)),
                          Double(bytes) / 1e6, codes as NSString)
        }
    }

    /// Sends `requests` over `connections` keep-alive connections, each on its own thread (plain
    /// blocking sockets: the client must cost less than the server it measures).
    static func load(port: Int, requests: [[UInt8]], connections: Int) async -> LoadResult {
        let shards = (0..<connections).map { c in stride(from: c, to: requests.count, by: connections).map { requests[$0] } }
        let started = ContinuousClock.now
        let results = await withCheckedContinuation { (continuation: CheckedContinuation<[ConnectionResult], Never>) in
            let collected = ResultCollector(expected: shards.count) { continuation.resume(returning: $0) }
            for shard in shards {
                let thread = Thread {
                    collected.add(ConnectionResult.run(port: port, requests: shard))
                }
                thread.stackSize = 1 << 20
                thread.name = "bench-client"
                thread.start()
            }
        }
        let elapsed = seconds(ContinuousClock.now - started)
        var statuses: [Int: Int] = [:]
        for result in results { statuses.merge(result.statuses, uniquingKeysWith: +) }
        return LoadResult(requests: requests.count, seconds: elapsed, statuses: statuses, bytes: results.reduce(0) { $0 + $1.bytes })
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Resident set size of a process (this one by default), from /proc.
    static func residentBytes(pid: Int32? = nil) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
}

/// Results of the connection threads, handed to the awaiting task once all are in.
final class ResultCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [ConnectionResult] = []
    private let expected: Int
    private let done: ([ConnectionResult]) -> Void

    init(expected: Int, done: @escaping ([ConnectionResult]) -> Void) {
        self.expected = expected
        self.done = done
    }

    func add(_ result: ConnectionResult) {
        lock.lock()
        results.append(result)
        let complete = results.count == expected
        let all = results
        lock.unlock()
        if complete { done(all) }
    }
}

/// One keep-alive connection sending its requests one after another.
struct ConnectionResult: Sendable {
    var statuses: [Int: Int] = [:]
    var bytes = 0

    static func run(port: Int, requests: [[UInt8]]) -> ConnectionResult {
        var result = ConnectionResult()
        var socket = connectSocket(port: port)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var pending: [UInt8] = []
        for request in requests {
            if socket < 0 { socket = connectSocket(port: port) }
            guard socket >= 0, sendAll(socket, request) else {
                result.statuses[-1, default: 0] += 1
                continue
            }
            guard let (status, size) = readResponse(socket, &buffer, &pending) else {
                result.statuses[-1, default: 0] += 1
                close(socket)
                socket = -1
                pending = []
                continue
            }
            result.statuses[status, default: 0] += 1
            result.bytes += size
        }
        if socket >= 0 { close(socket) }
        return result
    }

    static func connectSocket(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Reads one response with a Content-Length body; returns its status and size. Parses bytes
    /// in place: the client must cost far less than the server it measures.
    static func readResponse(_ fd: Int32, _ buffer: inout [UInt8], _ pending: inout [UInt8]) -> (Int, Int)? {
        func fill() -> Bool {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return false }
            pending.append(contentsOf: buffer[0..<count])
            return true
        }
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = findHeaderEnd(pending)
            if headerEnd == nil && !fill() { return nil }
        }
        guard let end = headerEnd, end > 12 else { return nil }
        // "HTTP/1.1 200 OK": the status is bytes 9..<12.
        let status = Int(pending[9] &- 48) * 100 + Int(pending[10] &- 48) * 10 + Int(pending[11] &- 48)
        let length = contentLength(pending, end: end)
        let total = end + 4 + length
        while pending.count < total { if !fill() { return nil } }
        pending.removeSubrange(0..<total)
        return (status, total)
    }

    /// The Content-Length header's value, matched case-insensitively without making strings.
    static func contentLength(_ bytes: [UInt8], end: Int) -> Int {
        let name = Array("content-length:".utf8)
        var i = 0
        while i + name.count < end {
            if bytes[i] == 10 {  // a header line starts after "\n"
                var matches = true
                for (j, expected) in name.enumerated() where bytes[i + 1 + j] | 0x20 != expected | 0x20 {
                    matches = false
                    break
                }
                if matches {
                    var k = i + 1 + name.count
                    var value = 0
                    while k < end, bytes[k] == 32 { k += 1 }
                    while k < end, bytes[k] >= 48, bytes[k] <= 57 {
                        value = value * 10 + Int(bytes[k] - 48)
                        k += 1
                    }
                    return value
                }
            }
            i += 1
        }
        return 0
    }

    static func findHeaderEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}
