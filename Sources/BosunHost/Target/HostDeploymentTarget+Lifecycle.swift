import BosunCore
import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Start and shutdown: bringing back the processes of an earlier Bosun, stopping them all at the end.
extension HostDeploymentTarget {
    /// Stops whatever an earlier Bosun left running (recognised by pid and start time), starts
    /// every process it supervised again from its recorded spec, and starts the drift poll.
    public func start() async throws {
        guard watchTask == nil, !isShutDown else { return }
        let stored = await store.state.processes
        // Leftovers are stopped in parallel: each may take its whole stop timeout.
        let leftovers = await withTaskGroup(of: (HostResourceID, Bool).self) { group in
            for process in stored {
                guard let pid = process.pid, let startTime = process.startTime else { continue }
                let spec = Self.storedSpec(process)
                group.addTask {
                    let stopped = await ProcessGroupStopper.stopLeftover(
                        group: pid, startTime: startTime, signal: spec?.stopSignal ?? SIGTERM, timeout: spec?.stopTimeout ?? .seconds(10))
                    return (process.id, stopped)
                }
            }
            var result: Set<HostResourceID> = []
            for await (id, stopped) in group where stopped { result.insert(id) }
            return result
        }
        for process in stored where supervisors[process.id] == nil {
            let id = process.id
            await store.setPid(id, pid: nil, startTime: nil)
            guard let manifest = (try? JSONParser.parse(process.manifest)).flatMap({ Resource($0) }) else {
                emit(id.app, id.key, "could not restart process \(id.name) after Bosun restart: its recorded spec cannot be read; sync the application to start it again")
                continue
            }
            let spec: ProcessSpec
            let request: LaunchRequest
            do throws(ManifestError) {
                spec = try ProcessSpec(manifest)
                request = try launchRequest(spec, id: id)
            } catch {
                emit(id.app, id.key, "could not restart process \(id.name) after Bosun restart: \(error)")
                continue
            }
            let supervisor = makeSupervisor(id: id, manifest: manifest, spec: spec, request: request, digest: await restartOnDigest(spec, app: id.app))
            supervisors[id] = supervisor
            if let exit = process.finished {
                await supervisor.restoreFinished(exit)
                continue
            }
            await supervisor.start()
            let note = leftovers.contains(id) ? " (stopped the copy the previous run left behind)" : ""
            emit(id.app, id.key, "restarted process \(id.name) after Bosun restart\(note)")
        }
        // No file signatures yet: the first check reads every file, so drift from while Bosun
        // was away is reported too.
        watchTask = Task { await self.watchFiles() }
    }

    /// Stops every process gracefully, in parallel, and keeps them recorded so the next start
    /// brings them back. Afterwards no process of this target is left running.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        watchTask?.cancel()
        watchTask = nil
        let running = supervisors
        await withTaskGroup(of: Void.self) { group in
            for (id, supervisor) in running {
                group.addTask {
                    await supervisor.stop()
                    await self.store.setPid(id, pid: nil, startTime: nil)
                }
            }
        }
        supervisors = [:]
        for log in logs.values { log.close() }
        changeContinuation.finish()
    }

    /// Drops supervision of every process without stopping it, as a crash of Bosun would.
    /// For tests of what `start()` does with processes left behind.
    func simulateCrash() async {
        isShutDown = true
        watchTask?.cancel()
        for supervisor in supervisors.values { await supervisor.abandon() }
        supervisors = [:]
    }

    static func storedSpec(_ process: HostState.StoredProcess) -> ProcessSpec? {
        (try? JSONParser.parse(process.manifest)).flatMap { Resource($0) }.flatMap { try? ProcessSpec($0) }
    }
}
