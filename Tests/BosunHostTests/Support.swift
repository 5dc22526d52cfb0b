import BosunCore
import BosunTesting
import Foundation
import Synchronization
import Testing

@testable import BosunHost

#if canImport(Glibc)
    import Glibc
#endif

/// A host target on a fresh data directory, with the application context tests use.
struct HostFixture {
    let data: TemporaryDirectory
    let target: HostDeploymentTarget
    let context = AppContext(app: "demo", commit: "abc123")

    init(options: HostTargetOptions = HostTargetOptions(), root: String? = nil) throws {
        data = try TemporaryDirectory(prefix: "bosun-host")
        target = try HostDeploymentTarget(name: "local", dataDirectory: data.url, root: root, options: options)
    }

    /// Another target (a second Bosun) on the same data directory.
    func sibling(options: HostTargetOptions = HostTargetOptions()) throws -> HostDeploymentTarget {
        try HostDeploymentTarget(name: "local", dataDirectory: data.url, options: options)
    }

    var root: String { target.rootPath }

    func path(_ relative: String) -> String { root + "/" + relative }

    func prepareAndApply(_ resources: [Resource]) async throws -> [Resource] {
        let prepared = try await target.prepare(resources, context: context)
        var result: [Resource] = []
        for resource in prepared { result.append(try await target.apply(resource, context: context, dryRun: false)) }
        return result
    }

    @discardableResult
    func apply(_ resource: Resource) async throws -> Resource {
        try await prepareAndApply([resource])[0]
    }

    func live(_ key: ResourceKey, on target: HostDeploymentTarget? = nil) async throws -> Resource? {
        try await (target ?? self.target).live(keys: [key], context: context)[key]
    }

    func status(_ name: String, on target: HostDeploymentTarget? = nil) async throws -> JSONObject? {
        try await live(HostTarget.key(kind: "Process", name: name), on: target)?.body["status"]?.objectValue
    }

    func pid(_ name: String, on target: HostDeploymentTarget? = nil) async throws -> Int32? {
        try await status(name, on: target)?["pid"]?.intValue.map { Int32($0) }
    }

    func health(_ resource: Resource) async throws -> HealthStatus {
        let live = try await self.live(resource.key)
        let desired = try await target.prepare([resource], context: context).first
        return await target.health(of: resource.key, live: live, desired: desired, context: context)
    }

    func logPath(_ name: String) -> String { "\(target.logsDirectory)/\(context.app)/\(name).log" }

    func log(_ name: String) -> String { (try? String(contentsOfFile: logPath(name), encoding: .utf8)) ?? "" }

    func remove() { data.remove() }
}

func fileManifest(_ name: String, path: String, content: String? = nil, mode: JSONValue? = nil, extra: JSONObject = [:]) -> Resource {
    var spec: JSONObject = ["path": .string(path)]
    if let content { spec["content"] = .string(content) }
    if let mode { spec["mode"] = mode }
    for entry in extra { spec[entry.key] = entry.value }
    return Resource(["apiVersion": "host.bosun.dev/v1", "kind": "File", "metadata": ["name": .string(name)], "spec": .object(spec)])
}

func processManifest(_ name: String, _ spec: JSONObject, labels: JSONObject = [:]) -> Resource {
    var metadata: JSONObject = ["name": .string(name)]
    if !labels.isEmpty { metadata["labels"] = .object(labels) }
    return Resource(["apiVersion": "host.bosun.dev/v1", "kind": "Process", "metadata": .object(metadata), "spec": .object(spec)])
}

/// `sh -c script` as a command.
func shell(_ script: String) -> JSONValue { .array(["sh", "-c", .string(script)]) }

let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"

/// Whether `pid` is a live (not zombie) process.
func isRunning(_ pid: Int32) -> Bool {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return false }
    let state = text[text.index(after: close)...].split(separator: " ").first
    return state != "Z" && state != "X"
}

/// A TCP port nothing listens on right now, found by binding port 0.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Collects the changes a target reports, for tests that check its events.
final class ChangeRecorder: Sendable {
    private let reasons = LockedBox<[String]>([])
    private let task: Task<Void, Never>

    init(_ target: HostDeploymentTarget) {
        let reasons = self.reasons
        let stream = target.changes()
        task = Task {
            for await change in stream { reasons.update { $0.append(change.reason) } }
        }
    }

    deinit { task.cancel() }

    var all: [String] { reasons.get() }

    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

/// A clock that moves only when told, so backoff can be checked without waiting.
final class ManualClock: HostClock {
    private struct Sleeper {
        var id: Int
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Duration.zero
        var nextID = 0
        var sleepers: [Sleeper] = []
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())

    var now: Duration { state.withLock { $0.now } }

    func sleep(for duration: Duration) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLock { state in
                    if state.cancelled.contains(id) { return .some(CancellationError()) }
                    if duration <= .zero { return .some(nil) }
                    state.sleepers.append(Sleeper(id: id, deadline: state.now + duration, continuation: continuation))
                    return .none
                }
                switch resumeNow {
                case .some(.some(let error)): continuation.resume(throwing: error)
                case .some(.none): continuation.resume()
                case .none: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                state.cancelled.insert(id)
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time on and wakes every sleeper whose time has come.
    func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.now += duration
            let due = state.sleepers.filter { $0.deadline <= state.now }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
