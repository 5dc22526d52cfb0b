import BosunCore
import Crypto
import Foundation

/// A resource this target holds for an application. The host has no namespaces, so two
/// applications may each have a `Process` named `web`; the application is part of the identity.
struct HostResourceID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    var app: String
    var kind: String
    var name: String

    var key: ResourceKey { HostTarget.key(kind: kind, name: name) }
    var description: String { "\(kind)/\(name) of \(app)" }

    static func < (a: HostResourceID, b: HostResourceID) -> Bool { (a.app, a.kind, a.name) < (b.app, b.kind, b.name) }
}

/// What Bosun knows about the host that the host itself cannot say: which files it wrote (and
/// what it wrote), which processes it supervises with which spec and pid. Saved as JSON in
/// `dataDir/host/.state/<target>/<app>.json` after every change.
struct HostState: Sendable, Codable {
    struct StoredFile: Sendable, Codable, Equatable {
        var app: String
        var name: String
        /// As written in Git, relative to the root.
        var path: String
        var absolutePath: String
        var sha256: String
        var mode: UInt32
        /// The manifest's metadata (name, labels, annotations) as applied, as JSON.
        var metadata: String
        /// Git gave the bytes as `contentBase64`, so live reports them that way too.
        var base64: Bool?
        var id: HostResourceID { HostResourceID(app: app, kind: HostTarget.fileKind, name: name) }
    }

    struct StoredProcess: Sendable, Codable {
        var app: String
        var name: String
        /// The manifest as applied, as JSON.
        var manifest: String
        /// The pid and start time of the running process, to find it again after Bosun stops
        /// without stopping it (a crash, `kill -9`).
        var pid: Int32?
        var startTime: UInt64?
        /// Set when the process ended for good (its policy does not restart it), so a restart of
        /// Bosun does not run it again.
        var finished: ExitStatus?
        var id: HostResourceID { HostResourceID(app: app, kind: HostTarget.processKind, name: name) }
    }

    var version = 1
    var files: [StoredFile] = []
    var processes: [StoredProcess] = []
}

/// Owns the state: one JSON file per application under `directory`, each change written through
/// at once (atomically), so a crash loses nothing and a write costs what one application holds.
actor HostStateStore {
    let directory: String
    private(set) var state: HostState

    init(directory: String) throws(HostIOError) {
        self.directory = directory
        state = HostState()
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw HostIOError("cannot create the host target's state folder \(directory): \(error.localizedDescription)")
        }
        for name in ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).sorted() where name.hasSuffix(".json") {
            let path = directory + "/" + name
            do {
                let part = try JSONDecoder().decode(HostState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
                state.files += part.files
                state.processes += part.processes
            } catch {
                throw HostIOError("the host target's state \(path) cannot be read (\(error)); move it away to start afresh (Bosun then forgets the files and processes that application had here)")
            }
        }
    }

    func file(_ id: HostResourceID) -> HostState.StoredFile? {
        state.files.first { $0.app == id.app && $0.name == id.name }
    }

    func files(of app: String) -> [HostState.StoredFile] { state.files.filter { $0.app == app } }

    /// The file another application already manages at `absolutePath`, if any.
    func owner(of absolutePath: String, except id: HostResourceID) -> HostState.StoredFile? {
        state.files.first { $0.absolutePath == absolutePath && $0.id != id }
    }

    func process(_ id: HostResourceID) -> HostState.StoredProcess? {
        state.processes.first { $0.app == id.app && $0.name == id.name }
    }

    func setFile(_ file: HostState.StoredFile) throws(HostIOError) {
        // Re-applying an unchanged File is common (every sync of its application): no write then.
        if let index = state.files.firstIndex(where: { $0.id == file.id }), state.files[index] == file { return }
        state.files.removeAll { $0.id == file.id }
        state.files.append(file)
        try save(file.app)
    }

    func removeFile(_ id: HostResourceID) throws(HostIOError) {
        state.files.removeAll { $0.id == id }
        try save(id.app)
    }

    func setProcess(_ process: HostState.StoredProcess) throws(HostIOError) {
        state.processes.removeAll { $0.id == process.id }
        state.processes.append(process)
        try save(process.app)
    }

    /// Records the pid of a new run (nil: not running). Best effort: supervision goes on if the disk is full.
    func setPid(_ id: HostResourceID, pid: Int32?, startTime: UInt64?) {
        guard let index = state.processes.firstIndex(where: { $0.id == id }) else { return }
        state.processes[index].pid = pid
        state.processes[index].startTime = startTime
        if pid != nil { state.processes[index].finished = nil }
        try? save(id.app)
    }

    /// Records that the process ended for good. Best effort, like `setPid`.
    func setFinished(_ id: HostResourceID, _ exit: ExitStatus) {
        guard let index = state.processes.firstIndex(where: { $0.id == id }) else { return }
        state.processes[index].finished = exit
        state.processes[index].pid = nil
        state.processes[index].startTime = nil
        try? save(id.app)
    }

    func removeProcess(_ id: HostResourceID) throws(HostIOError) {
        state.processes.removeAll { $0.id == id }
        try save(id.app)
    }

    /// Writes one application's part; an application that holds nothing loses its file.
    private func save(_ app: String) throws(HostIOError) {
        let part = HostState(files: state.files.filter { $0.app == app }, processes: state.processes.filter { $0.app == app })
        let path = directory + "/" + HostDeploymentTarget.safeFileName(app) + ".json"
        if part.files.isEmpty && part.processes.isEmpty {
            try? FileManager.default.removeItem(atPath: path)
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(part)
        } catch {
            throw HostIOError("cannot encode the host target's state: \(error)")
        }
        try AtomicFile.write(Array(data), to: path, mode: 0o600)
    }
}

enum ContentDigest {
    /// Lowercase hex SHA-256.
    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
