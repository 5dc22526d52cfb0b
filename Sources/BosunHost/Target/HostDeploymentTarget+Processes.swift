import BosunCore
import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `Process` resources: start, restart on a new spec or a changed `restartOn` file, stop.
extension HostDeploymentTarget {
    func applyProcess(_ prepared: Resource, id: HostResourceID, dryRun: Bool) async throws -> Resource {
        let spec: ProcessSpec
        let request: LaunchRequest
        do throws(ManifestError) {
            spec = try ProcessSpec(prepared)
            request = try launchRequest(spec, id: id)
        } catch {
            throw error.targetError(for: prepared)
        }
        let manifest = Self.heldProcessManifest(prepared)
        let digest = await restartOnDigest(spec, app: id.app)
        let existing = supervisors[id]
        if let existing, existing.manifest == manifest, existing.restartOnDigest == digest, !(await existing.hasFinished) {
            return await existing.live
        }
        if dryRun { return existing?.manifest == manifest ? await existing?.live ?? manifest : manifest }

        if let existing {
            await existing.stop()
            supervisors[id] = nil
        }
        do {
            try await store.setProcess(HostState.StoredProcess(app: id.app, name: id.name, manifest: JSONValue.object(manifest.body).jsonString()))
        } catch {
            throw TargetError(.transient, error.message, key: id.key)
        }
        let supervisor = makeSupervisor(id: id, manifest: manifest, spec: spec, request: request, digest: digest)
        supervisors[id] = supervisor
        await supervisor.start()
        if let existing {
            let why = existing.manifest != manifest ? "its spec changed" : existing.restartOnDigest != digest ? "a File in its restartOn changed" : "it had exited"
            emit(id.app, id.key, "restarted process \(id.name) because \(why)")
        }
        return await supervisor.live
    }

    func deleteProcess(_ id: HostResourceID) async throws {
        if let supervisor = supervisors[id] {
            await supervisor.stop()
            supervisors[id] = nil
        } else if let stored = await store.process(id), let pid = stored.pid, let startTime = stored.startTime {
            // Held but not supervised (start() not called yet): stop what an earlier Bosun left.
            let signal = Self.storedSpec(stored)
            _ = await ProcessGroupStopper.stopLeftover(
                group: pid, startTime: startTime, signal: signal?.stopSignal ?? SIGTERM, timeout: signal?.stopTimeout ?? .seconds(10))
        }
        logs[id]?.close()
        logs[id] = nil
        do {
            try await store.removeProcess(id)
        } catch {
            throw TargetError(.transient, error.message, key: id.key)
        }
    }

    /// Restarts the processes of `app` that list File `file` in `restartOn`, when the content
    /// they were started with differs from what Bosun has now written.
    func restartProcesses(of app: String, listing file: String) async {
        for (id, candidate) in supervisors where id.app == app && candidate.spec.restartOn.contains(file) {
            await serialized(id) {
                // Looked up again under the lock: an apply may have replaced it meanwhile.
                guard let supervisor = self.supervisors[id] else { return }
                let digest = await self.restartOnDigest(supervisor.spec, app: app)
                guard digest != supervisor.restartOnDigest else { return }
                await supervisor.stop()
                let replacement = self.makeSupervisor(id: id, manifest: supervisor.manifest, spec: supervisor.spec, request: supervisor.request, digest: digest)
                self.supervisors[id] = replacement
                await replacement.start()
                self.emit(id.app, id.key, "restarted process \(id.name) because File \(file) changed")
            }
        }
    }

    func makeSupervisor(id: HostResourceID, manifest: Resource, spec: ProcessSpec, request: LaunchRequest, digest: String) -> ProcessSupervisor {
        ProcessSupervisor(
            id: id, manifest: manifest, spec: spec, request: request, restartOnDigest: digest, log: logFile(id), settings: settings,
            store: store, changes: changeContinuation)
    }

    /// What to run where: the working directory inside the root, and the environment (the
    /// variables Bosun passes on, then the spec's).
    func launchRequest(_ spec: ProcessSpec, id: HostResourceID) throws(ManifestError) -> LaunchRequest {
        let folder = try spec.workingDir.map { dir throws(ManifestError) in try root.resolve(dir, field: "spec.workingDir", followFinal: true) } ?? root.path
        var environment: [String: String] = [:]
        for name in options.inheritedEnvironment {
            if let value = bosunEnvironment[name] { environment[name] = value }
        }
        if environment["PATH"] == nil { environment["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        for variable in spec.env { environment[variable.name] = variable.value }
        return LaunchRequest(name: "\(id.app)-\(id.name)", command: spec.command, workingDirectory: folder, environment: environment)
    }

    /// A digest of the `restartOn` files as Bosun last wrote them (absent ones included), so a
    /// change of any of them is a change of the digest.
    func restartOnDigest(_ spec: ProcessSpec, app: String) async -> String {
        guard !spec.restartOn.isEmpty else { return "" }
        var text = ""
        for name in spec.restartOn {
            if let file = await store.file(HostResourceID(app: app, kind: HostTarget.fileKind, name: name)) {
                text += "\(name)=\(file.sha256):\(file.mode)\n"
            } else {
                text += "\(name)=absent\n"
            }
        }
        return ContentDigest.sha256(Array(text.utf8))
    }

    func logPath(_ id: HostResourceID) -> String {
        "\(logsDirectory)/\(Self.safeFileName(id.app))/\(Self.safeFileName(id.name)).log"
    }

    func logFile(_ id: HostResourceID) -> LogFile {
        if let log = logs[id] { return log }
        let log = LogFile(path: logPath(id), limit: options.logRotationBytes)
        logs[id] = log
        return log
    }

    /// The manifest as live reports it: apiVersion, kind, the metadata Bosun applied, spec.
    static func heldProcessManifest(_ resource: Resource) -> Resource {
        Resource([
            "apiVersion": .string(HostTarget.apiVersion), "kind": .string(HostTarget.processKind),
            "metadata": .object(heldMetadata(resource)), "spec": resource.body["spec"] ?? .object(JSONObject()),
        ])
    }
}
