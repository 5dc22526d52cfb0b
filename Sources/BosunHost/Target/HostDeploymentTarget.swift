import BosunCore
import Foundation

/// The host target: writes `File`s under its root and supervises `Process`es, for one Bosun.
/// Build it with `HostTarget.make` from config, or directly in tests.
///
/// State that must outlive Bosun (which files it wrote, which processes it runs with which pid)
/// is saved in `dataDir/host/.state/<target>/<app>.json`; `start()` uses it to stop what a crashed
/// Bosun left running and to bring its processes back.
public actor HostDeploymentTarget: DeploymentTarget {
    /// The target's name in `bosun.yaml`.
    public nonisolated let name: String
    /// The root every `File` path and `workingDir` is relative to.
    public nonisolated let rootPath: String
    /// `dataDir/host/logs`: one folder per application, one `<name>.log` per process.
    public nonisolated let logsDirectory: String
    /// `dataDir/host/.state`.
    public nonisolated let stateDirectory: String

    let root: HostRoot
    let options: HostTargetOptions
    let settings: SupervisionSettings
    let store: HostStateStore
    /// Bosun's environment, from which processes inherit the variables `options` allows.
    let bosunEnvironment: [String: String]
    private nonisolated let changeStream: AsyncStream<TargetChange>
    let changeContinuation: AsyncStream<TargetChange>.Continuation

    var supervisors: [HostResourceID: ProcessSupervisor] = [:]
    var logs: [HostResourceID: LogFile] = [:]
    /// The metadata each file had when last looked at, so the drift poll reads only what moved.
    var fileSignatures: [HostResourceID: FileSignature] = [:]
    /// The drift already reported per file ("changed", "removed"), so one edit is one change.
    var reportedDrift: [HostResourceID: String] = [:]
    var watchTask: Task<Void, Never>?
    /// Set while the files are watched: a File written in a new folder gets that folder watched.
    var fileWatcher: DirectoryWatcher?
    var isShutDown = false
    private var busy: [HostResourceID: [CheckedContinuation<Void, Never>]] = [:]

    /// A target named `spec.name` with its data under `environment.dataDirectory/host`; the
    /// option `root` (a path, resolved like other config paths) moves the root elsewhere.
    public init(spec: TargetSpec, environment: TargetEnvironment, options: HostTargetOptions = HostTargetOptions()) throws {
        var root: String? = nil
        if let value = spec.options["root"], !value.isNull {
            guard let text = value.stringValue, !text.isEmpty else {
                throw TargetError(.invalid, "target \"\(spec.name)\": option root must be a folder path, found \(FieldReader.describe(value))")
            }
            root = environment.resolvePath(text)
        }
        try self.init(name: spec.name, dataDirectory: environment.dataDirectory, root: root, environment: environment.environment, options: options)
    }

    /// A target with an explicit data directory and root (default `dataDirectory/host`).
    public init(
        name: String, dataDirectory: URL, root: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        options: HostTargetOptions = HostTargetOptions()
    ) throws {
        let hostDirectory = dataDirectory.appendingPathComponent("host").standardizedFileURL.path
        self.name = name
        logsDirectory = hostDirectory + "/logs"
        stateDirectory = hostDirectory + "/.state"
        do {
            self.root = try HostRoot(path: root ?? hostDirectory, reserved: [logsDirectory, stateDirectory])
        } catch {
            throw TargetError(.invalid, "target \"\(name)\": cannot create the host root or its folders under \(hostDirectory): \(error.localizedDescription)")
        }
        rootPath = self.root.path
        self.options = options
        settings = SupervisionSettings(options)
        bosunEnvironment = environment
        do {
            store = try HostStateStore(directory: "\(stateDirectory)/\(Self.safeFileName(name))")
        } catch {
            throw TargetError(.invalid, "target \"\(name)\": \(error.message)")
        }
        (changeStream, changeContinuation) = AsyncStream.makeStream(of: TargetChange.self, bufferingPolicy: .bufferingNewest(1000))
    }

    /// Process exits, restarts, readiness changes and files changed on disk. One stream for the
    /// target's life, finished by `shutdown()`; read it from one place.
    public nonisolated func changes() -> AsyncStream<TargetChange> { changeStream }

    // MARK: DeploymentTarget

    /// Validates every manifest (kind, fields, paths inside the root also through symlinks,
    /// `restartOn` naming Files of the batch) and returns them as held: no namespace, mode and
    /// env normalised. Errors are `.invalid` and name the resource and field.
    public func prepare(_ resources: [Resource], context: AppContext) async throws -> [Resource] {
        let fileNames = Set(resources.filter { $0.kind == HostTarget.fileKind }.map(\.name))
        var prepared: [Resource] = []
        var paths: [String: String] = [:]
        for resource in resources {
            do throws(ManifestError) {
                let result = try validate(resource)
                if resource.kind == HostTarget.fileKind, let path = result.body["spec"]?["path"]?.stringValue {
                    let absolute = try root.resolve(path, field: "spec.path", followFinal: false)
                    if let other = paths[absolute] {
                        throw ManifestError("spec.path", "\"\(path)\" is also the path of File \(other); give each File its own path")
                    }
                    paths[absolute] = resource.name
                }
                if resource.kind == HostTarget.processKind {
                    let spec = try ProcessSpec(result)
                    for name in spec.restartOn where !fileNames.contains(name) {
                        let known = fileNames.sorted()
                        throw ManifestError("spec.restartOn", "\"\(name)\" is no File of application \(context.app) (\(known.isEmpty ? "it has none" : "its Files: \(known.joined(separator: ", "))")); name one of them or drop it")
                    }
                }
                prepared.append(result)
            } catch {
                throw error.targetError(for: resource)
            }
        }
        return prepared
    }

    /// Every File (read from disk; absent when gone) and Process (with its `status`) held for
    /// `context.app`, whatever `keys` asks for, so the engine can prune what Git dropped.
    public func live(keys: Set<ResourceKey>, context: AppContext) async throws -> [ResourceKey: Resource] {
        var result: [ResourceKey: Resource] = [:]
        for file in await store.files(of: context.app) {
            if let live = try liveFile(file) { result[file.id.key] = live }
        }
        for (id, supervisor) in supervisors where id.app == context.app {
            result[id.key] = await supervisor.live
        }
        return result
    }

    /// Writes a File atomically, or starts a Process (restarting it when its spec or a
    /// `restartOn` file changed). Returns the live object without waiting for readiness.
    public func apply(_ resource: Resource, context: AppContext, dryRun: Bool) async throws -> Resource {
        guard !isShutDown else { throw TargetError(.transient, "the host target \(name) is shutting down", key: resource.key) }
        let prepared: Resource
        do throws(ManifestError) {
            prepared = try validate(resource)
        } catch {
            throw error.targetError(for: resource)
        }
        let id = HostResourceID(app: context.app, kind: prepared.kind, name: prepared.name)
        await acquire(id)
        defer { release(id) }
        if prepared.kind == HostTarget.fileKind {
            return try await applyFile(prepared, id: id, dryRun: dryRun)
        }
        return try await applyProcess(prepared, id: id, dryRun: dryRun)
    }

    /// Removes a File Bosun wrote, or stops a Process (stop signal, then SIGKILL to its group)
    /// and forgets it. Unknown resources are not an error.
    public func delete(_ key: ResourceKey, context: AppContext) async throws {
        let id = HostResourceID(app: context.app, kind: key.kind, name: key.name)
        await acquire(id)
        defer { release(id) }
        switch key.kind {
        case HostTarget.fileKind: try await deleteFile(id)
        case HostTarget.processKind: try await deleteProcess(id)
        default: return
        }
    }

    /// File: Healthy when bytes and mode match `desired`. Process: Progressing until ready,
    /// Healthy when ready, Degraded in a crash loop or once ended (with its exit and log tail).
    public func health(of key: ResourceKey, live: Resource?, desired: Resource?, context: AppContext) async -> HealthStatus {
        switch key.kind {
        case HostTarget.fileKind:
            return HostHealth.file(live: live, desired: desired)
        case HostTarget.processKind:
            let tail = live == nil ? [] : LogFile.tail(logPath(HostResourceID(app: context.app, kind: key.kind, name: key.name)), lines: 5)
            return HostHealth.process(name: key.name, live: live, logTail: tail)
        default:
            return .unknown("the host target holds only File and Process of \(HostTarget.apiVersion)")
        }
    }

    // MARK: Validation

    /// Checks one manifest and returns it as the target holds it (no namespace, defaults filled).
    func validate(_ resource: Resource) throws(ManifestError) -> Resource {
        guard resource.apiVersion == HostTarget.apiVersion,
            resource.kind == HostTarget.fileKind || resource.kind == HostTarget.processKind
        else {
            let found = "\(resource.apiVersion.isEmpty ? "(no apiVersion)" : resource.apiVersion) \(resource.kind.isEmpty ? "(no kind)" : resource.kind)"
            throw ManifestError("", "the host target holds only File and Process of \(HostTarget.apiVersion), not \(found); send this resource to a target of another type, or fix its apiVersion and kind")
        }
        let name = resource.name
        guard Self.isUsableName(name) else {
            throw ManifestError("metadata.name", "\"\(name)\" is not a usable name: use letters, digits, '-', '_' and '.', up to 253 characters, not starting with '.'")
        }
        var held = resource
        held.setMetadata("namespace", nil)
        if resource.kind == HostTarget.fileKind {
            held = try FileSpec.prepared(held)
            let spec = try FileSpec(held)
            let absolute = try root.resolve(spec.path, field: "spec.path", followFinal: false)
            guard absolute != root.path else {
                throw ManifestError("spec.path", "\"\(spec.path)\" is the host root itself; name a file inside it, such as \"site/index.html\"")
            }
        } else {
            held = try ProcessSpec.prepared(held)
            let spec = try ProcessSpec(held)
            if let folder = spec.workingDir { _ = try root.resolve(folder, field: "spec.workingDir", followFinal: true) }
        }
        return held
    }

    static func isUsableName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 253, !name.hasPrefix(".") else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            (scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar))) || scalar == "-" || scalar == "_" || scalar == "."
        }
    }

    /// An application or target name made safe as one path component.
    static func safeFileName(_ name: String) -> String {
        let mapped = String(name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_" || scalar == ".") ? Character(scalar) : "_"
        })
        return mapped.isEmpty || mapped.hasPrefix(".") ? "_" + mapped : mapped
    }

    /// Only the metadata Bosun applied (name, labels, annotations): what live reports back.
    static func heldMetadata(_ resource: Resource) -> JSONObject {
        var metadata = JSONObject()
        metadata["name"] = .string(resource.name)
        if let labels = resource.metadata["labels"], labels.objectValue?.isEmpty == false { metadata["labels"] = labels }
        if let annotations = resource.metadata["annotations"], annotations.objectValue?.isEmpty == false { metadata["annotations"] = annotations }
        return metadata
    }

    // MARK: One operation per resource at a time

    /// Runs `body` while holding `id`, after any operation on it that is under way.
    func serialized(_ id: HostResourceID, _ body: () async -> Void) async {
        await acquire(id)
        await body()
        release(id)
    }

    private func acquire(_ id: HostResourceID) async {
        guard busy[id] != nil else {
            busy[id] = []
            return
        }
        await withCheckedContinuation { continuation in busy[id, default: []].append(continuation) }
    }

    private func release(_ id: HostResourceID) {
        guard var waiting = busy[id] else { return }
        if waiting.isEmpty {
            busy[id] = nil
        } else {
            let next = waiting.removeFirst()
            busy[id] = waiting
            next.resume()
        }
    }

    func emit(_ app: String, _ key: ResourceKey?, _ reason: String) {
        changeContinuation.yield(TargetChange(app: app, key: key, reason: reason))
    }
}
