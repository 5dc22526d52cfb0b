import BosunCore
import Foundation

/// `File` resources: atomic writes under the root, live state read from disk, drift polling.
extension HostDeploymentTarget {
    func applyFile(_ manifest: Resource, id: HostResourceID, dryRun: Bool) async throws -> Resource {
        let spec: FileSpec
        let absolute: String
        do throws(ManifestError) {
            spec = try FileSpec(manifest)
            // Checked again now: a symlink may have appeared on the way since prepare.
            absolute = try root.resolve(spec.path, field: "spec.path", followFinal: false)
        } catch {
            throw error.targetError(for: manifest)
        }
        if let owner = await store.owner(of: absolute, except: id) {
            throw TargetError(.conflict, "spec.path \"\(spec.path)\" is already managed by File/\(owner.name) of application \(owner.app); give this File another path or remove it there first", key: id.key)
        }
        let usesBase64 = manifest.body["spec"]?["contentBase64"].map { !$0.isNull } ?? false
        let metadata = Self.heldMetadata(manifest)
        let wanted = Self.liveFileObject(metadata: metadata, path: spec.path, bytes: spec.content, mode: spec.mode, base64: usesBase64)
        if dryRun { return wanted }

        let previous = await store.file(id)
        let onDisk: DiskEntry?
        do {
            onDisk = try DiskEntry.read(absolute)
        } catch {
            throw TargetError(.transient, error.message, key: id.key)
        }
        if case .directory = onDisk {
            throw TargetError(.conflict, "spec.path \"\(spec.path)\" is a folder on the host; remove it or choose another path", key: id.key)
        }
        if onDisk != .file(bytes: spec.content, mode: spec.mode) {
            do {
                let root = self.root
                try AtomicFile.write(spec.content, to: absolute, mode: spec.mode) { folder throws(HostIOError) in
                    // A folder swapped for a symlink since the path was checked is caught here.
                    guard root.containsFolder(folder) else {
                        throw HostIOError("\(folder) no longer resolves inside the host root \(root.path) (a symlink?); nothing was written")
                    }
                }
            } catch {
                throw TargetError(.transient, error.message, key: id.key)
            }
        }
        // A File that moved: the old path is Bosun's to remove.
        if let previous, previous.absolutePath != absolute, case .file? = try? DiskEntry.read(previous.absolutePath) {
            try? AtomicFile.remove(previous.absolutePath)
        }
        let stored = HostState.StoredFile(
            app: id.app, name: id.name, path: spec.path, absolutePath: absolute, sha256: ContentDigest.sha256(spec.content), mode: spec.mode,
            metadata: JSONValue.object(metadata).jsonString(), base64: usesBase64)
        do {
            try await store.setFile(stored)
        } catch {
            throw TargetError(.transient, error.message, key: id.key)
        }
        fileSignatures[id] = FileSignature.of(absolute)
        reportedDrift[id] = nil
        fileWatcher?.add(URL(fileURLWithPath: absolute).deletingLastPathComponent().path)
        if previous?.sha256 != stored.sha256 || previous?.mode != stored.mode {
            await restartProcesses(of: id.app, listing: id.name)
        }
        return try liveFile(stored) ?? wanted
    }

    func deleteFile(_ id: HostResourceID) async throws {
        guard let stored = await store.file(id) else { return }
        switch try? DiskEntry.read(stored.absolutePath) {
        case .file?, .symlink?:
            do {
                try AtomicFile.remove(stored.absolutePath)
            } catch {
                throw TargetError(.transient, error.message, key: id.key)
            }
        default:
            break
        }
        do {
            try await store.removeFile(id)
        } catch {
            throw TargetError(.transient, error.message, key: id.key)
        }
        fileSignatures[id] = nil
        reportedDrift[id] = nil
    }

    /// The file as it is on disk, shaped like its manifest; nil when nothing is there.
    func liveFile(_ stored: HostState.StoredFile) throws -> Resource? {
        let metadata = (try? JSONParser.parse(stored.metadata))?.objectValue ?? ["name": .string(stored.name)]
        let entry: DiskEntry?
        do {
            entry = try DiskEntry.read(stored.absolutePath)
        } catch {
            throw TargetError(.transient, error.message, key: stored.id.key)
        }
        switch entry {
        case nil:
            return nil
        case .file(let bytes, let mode):
            return Self.liveFileObject(metadata: metadata, path: stored.path, bytes: bytes, mode: mode, base64: stored.base64 ?? false)
        case .symlink(let target):
            return Self.fileObject(metadata: metadata, spec: ["path": .string(stored.path), "symlinkTo": .string(target)])
        case .directory:
            return Self.fileObject(metadata: metadata, spec: ["path": .string(stored.path), "directory": true])
        case .other:
            return Self.fileObject(metadata: metadata, spec: ["path": .string(stored.path), "special": true])
        }
    }

    /// `content` when Git wrote text and the bytes are UTF-8; `contentBase64` otherwise, so
    /// bytes that are no longer text show as a change.
    static func liveFileObject(metadata: JSONObject, path: String, bytes: [UInt8], mode: UInt32, base64: Bool) -> Resource {
        var spec = JSONObject()
        spec["path"] = .string(path)
        if !base64, let text = String(validating: bytes, as: UTF8.self) {
            spec["content"] = .string(text)
        } else {
            spec["contentBase64"] = .string(Data(bytes).base64EncodedString())
        }
        spec["mode"] = .string(FileSpec.modeText(mode))
        return fileObject(metadata: metadata, spec: spec)
    }

    static func fileObject(metadata: JSONObject, spec: JSONObject) -> Resource {
        Resource([
            "apiVersion": .string(HostTarget.apiVersion), "kind": .string(HostTarget.fileKind), "metadata": .object(metadata),
            "spec": .object(spec),
        ])
    }

    // MARK: Drift

    /// Looks at the files Bosun wrote until cancelled (metadata first, bytes only when it moved):
    /// at once when inotify says something changed in their folders, else at each poll.
    func watchFiles() async {
        let watcher = DirectoryWatcher()
        fileWatcher = watcher
        defer {
            watcher.stop()
            fileWatcher = nil
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in watcher.changes {
                    await self.checkFiles()
                    await self.watchFolders(watcher)
                }
            }
            // Polling goes on beside the watch: for folders that could not be watched or did
            // not exist yet, and where inotify is not available at all.
            while !Task.isCancelled {
                await checkFiles()
                await watchFolders(watcher)
                do { try await Task.sleep(for: options.filePollInterval) } catch { break }
            }
            watcher.stop()
            group.cancelAll()
        }
    }

    /// The folders of every File Bosun wrote (those that exist), watched for changes.
    func watchFolders(_ watcher: DirectoryWatcher) async {
        guard watcher.isActive else { return }
        let folders = Set(await store.state.files.map { URL(fileURLWithPath: $0.absolutePath).deletingLastPathComponent().path })
        watcher.watch(folders.filter { FileManager.default.fileExists(atPath: $0) })
    }

    /// Reports, once per change, a file edited or removed on disk.
    func checkFiles() async {
        for stored in await store.state.files {
            let id = stored.id
            let signature = FileSignature.of(stored.absolutePath)
            if let signature, signature == fileSignatures[id] { continue }
            if signature == nil && fileSignatures[id] == nil && reportedDrift[id] != nil { continue }
            fileSignatures[id] = signature
            let entry = try? DiskEntry.read(stored.absolutePath)
            let intact: Bool
            if case .file(let bytes, let mode)? = entry {
                intact = mode == stored.mode && ContentDigest.sha256(bytes) == stored.sha256
            } else {
                intact = false
            }
            if intact {
                reportedDrift[id] = nil
                continue
            }
            let what = entry == nil ? "was removed on disk" : "was changed on disk"
            if reportedDrift[id] != what {
                reportedDrift[id] = what
                emit(id.app, id.key, "file \(stored.path) (File/\(stored.name)) \(what)")
            }
        }
    }
}
