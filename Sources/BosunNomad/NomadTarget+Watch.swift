import BosunCore
import Foundation

extension NomadTarget {
    /// Jobs of an application changed in Nomad by someone other than Bosun (a new job version,
    /// a stop, a purge), seen through a blocking query on the job list, so drift is noticed at
    /// once instead of at the next interval. One long-poll request is outstanding at a time.
    public func changes() -> AsyncStream<TargetChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: TargetChange.self)
        let task = Task { [weak self] in
            await self?.watch(continuation)
            continuation.finish()
        }
        watchers.withLock { $0.append(task) }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func watch(_ continuation: AsyncStream<TargetChange>.Continuation) async {
        var index = 0
        // The JobModifyIndex of each job Bosun tracks, as last seen.
        var known: [ResourceKey: (app: String, jobModifyIndex: Int)]?
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                var query = [("namespace", "*"), ("meta", "true")]
                if index > 0 { query += [("index", "\(index)"), ("wait", "\(Int(watchWait.seconds))s")] }
                let call = NomadClient.Call(method: .GET, path: "/v1/jobs", query: query, operation: "watch")
                guard let answer = try await client.query(call, timeout: watchWait + .seconds(30)) else { continue }
                // An index that goes backwards (a restored or new cluster) starts over, as Nomad advises.
                index = max(answer.index ?? 0, 1) < index ? 0 : (answer.index ?? 0)
                var seen: [ResourceKey: (app: String, jobModifyIndex: Int)] = [:]
                for stub in answer.body.arrayValue ?? [] {
                    guard let app = stub["Meta"]?[NomadJobResource.metaApp]?.stringValue else { continue }
                    let key = NomadJobResource.key(namespace: stub["Namespace"]?.stringValue ?? "default", id: stub["ID"]?.stringValue ?? "")
                    seen[key] = (app, stub["JobModifyIndex"]?.intValue ?? 0)
                }
                if let previous = known {
                    let ours = registered.withLock { $0 }
                    for (key, now) in seen where previous[key]?.jobModifyIndex != now.jobModifyIndex && ours[key] != now.jobModifyIndex {
                        continuation.yield(TargetChange(app: now.app, key: key, reason: "job \(key.name) changed in Nomad"))
                    }
                    for (key, before) in previous where seen[key] == nil {
                        continuation.yield(TargetChange(app: before.app, key: key, reason: "job \(key.name) removed from Nomad"))
                    }
                }
                known = seen
            } catch is CancellationError {
                return
            } catch {
                logger.debug("the job watch failed; trying again", metadata: ["error": "\(error)"])
                index = 0
                try? await Task.sleep(for: .seconds(2))
            }
            // Never spin: a blocking query that returns at once is followed by a short pause.
            let elapsed = ContinuousClock.now - started
            if elapsed < .milliseconds(200) { try? await Task.sleep(for: .milliseconds(200) - elapsed) }
        }
    }
}
