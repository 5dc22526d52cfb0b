import BosunCore
import Foundation

/// What an inspect says that the list does not: restarts, the health check's verdict.
struct PodmanInspection: Sendable {
    var fingerprint: String
    var restartCount: Int
    var healthStatus: String?
    var hasHealthcheck: Bool
    var ipAddress: String?
}

extension PodmanTarget {
    /// Running containers with a steady restart count are Healthy; a health check's verdict maps to
    /// Progressing/Healthy/Degraded; a container that exits or restarts in a loop is Degraded with
    /// its exit code and the last lines of its log; a `readinessProbe` (which Podman ignores) is
    /// checked by Bosun. A workload is as healthy as its worst pod; ConfigMaps, Secrets and claims
    /// are Healthy when they exist.
    public func health(of key: ResourceKey, live: Resource?, desired: Resource?, context: AppContext) async -> HealthStatus {
        guard let live else { return .missing() }
        guard PodmanManifests.isWorkload(key) else { return .healthy() }
        let want = desired ?? live
        let pods = live["status", "pods"]?.arrayValue ?? []
        let replicas = key.kind == "Deployment" ? (want["spec", "replicas"]?.intValue ?? 1) : 1
        if pods.count < replicas { return .progressing("\(pods.count) of \(replicas) pods") }
        if live.label(PodmanManifests.hashLabel) != want.label(PodmanManifests.hashLabel) {
            return .progressing("the pods run another spec than the one applied")
        }
        let spec = PodmanManifests.podSpec(want.body) ?? JSONObject()
        let restartPolicy = spec["restartPolicy"]?.stringValue ?? "Always"
        let wanted = PodmanManifests.containers(spec, initContainers: false)
        var worst = HealthStatus.healthy()
        for pod in pods {
            let podName = pod["name"]?.stringValue ?? ""
            for entry in pod["containers"]?.arrayValue ?? [] {
                let cname = entry["name"]?.stringValue ?? ""
                let health = await containerHealth(entry, pod: podName, restartPolicy: restartPolicy,
                                                   minReadySeconds: want["spec", "minReadySeconds"]?.intValue ?? connection.minReadySeconds,
                                                   container: wanted.first { $0["name"]?.stringValue == cname }, hostNetwork: spec["hostNetwork"]?.boolValue ?? false)
                if health.status > worst.status { worst = health }
            }
        }
        return worst
    }

    func containerHealth(_ entry: JSONValue, pod: String, restartPolicy: String, minReadySeconds: Int, container: JSONObject?, hostNetwork: Bool) async -> HealthStatus {
        let cname = entry["name"]?.stringValue ?? ""
        let what = "pod \(pod) container \(cname)"
        let state = entry["state"]?.stringValue ?? ""
        guard let id = entry["id"]?.stringValue, state != "removed" else { return .degraded("\(what) was removed") }
        let exitCode = entry["exitCode"]?.intValue ?? 0
        if entry["stoppedByHand"]?.boolValue == true { return .degraded("\(what) was stopped (exit code \(exitCode))") }
        let fingerprint = "\(entry["startedAt"]?.intValue ?? 0)/\(state)/\(exitCode)"
        guard let inspection = try? await inspect(id, fingerprint: fingerprint) else { return .unknown("\(what) could not be inspected") }
        let grew = restarts.withLock { seen -> Bool in
            let now = ContinuousClock.now
            guard let last = seen[id] else {
                seen[id] = (inspection.restartCount, inspection.restartCount > 0 ? now : nil)
                return inspection.restartCount > 0
            }
            if inspection.restartCount > last.count {
                seen[id] = (inspection.restartCount, now)
                return true
            }
            // Steady for a minute: the loop is over.
            return last.grewAt.map { now - $0 < .seconds(60) } ?? false
        }
        switch state {
        case "running":
            if grew {
                return .degraded("\(what) is restarting in a loop (\(inspection.restartCount) restarts, last exit code \(exitCode))\(await logTail(id))")
            }
        case "exited", "stopped":
            if exitCode == 0 && restartPolicy != "Always" { return .healthy("\(what) completed") }
            if exitCode == 0 { return .degraded("\(what) exited with code 0 though its pod restarts it always\(await logTail(id))") }
            return .degraded("\(what) exited with code \(exitCode)\(grew ? " after \(inspection.restartCount) restarts" : "")\(await logTail(id))")
        case "created", "configured", "initialized":
            return .progressing("\(what) is starting")
        case "paused":
            return .suspended("\(what) is paused")
        default:
            return .progressing("\(what) is \(state)")
        }
        switch inspection.healthStatus {
        case "unhealthy": return .degraded("\(what) fails its health check\(await logTail(id))")
        case "starting":
            // Without systemd no timer runs Podman's health checks: Bosun runs one itself.
            if let verdict = try? await runHealthcheck(id), verdict != "starting" {
                return verdict == "healthy" ? .healthy() : .degraded("\(what) fails its health check")
            }
            return .progressing("\(what) health check is starting")
        default: break
        }
        if let probe = container?["readinessProbe"]?.objectValue {
            if let failure = await PodmanProbe.check(probe, container: id, host: hostNetwork ? "127.0.0.1" : (inspection.ipAddress ?? "127.0.0.1"), client: client) {
                return .progressing("\(what) is not ready: \(failure)")
            }
        }
        // A container that crashes at once is running for a moment first: it is not up until it
        // has stayed up (as Kubernetes' minReadySeconds), or a crash would pass for healthy.
        let uptime = Int(Date().timeIntervalSince1970) - (entry["startedAt"]?.intValue ?? 0)
        if uptime < minReadySeconds {
            return .progressing("\(what) started \(max(uptime, 0)) s ago; up once it has run \(minReadySeconds) s")
        }
        return .healthy()
    }

    /// The container's inspection, read again only when its start time or state moved.
    func inspect(_ id: String, fingerprint: String) async throws -> PodmanInspection {
        if let hit = inspections.withLock({ $0[id] }), hit.fingerprint == fingerprint { return hit }
        guard let object = try await client.json(.init(path: "/containers/\(id)/json", operation: "inspect"), notFoundIsNil: true) else {
            throw TargetError(.notFound, "container \(id) is gone")
        }
        let health = object["State"]?["Health"]?["Status"]?.stringValue ?? object["State"]?["Healthcheck"]?["Status"]?.stringValue
        let inspection = PodmanInspection(
            fingerprint: fingerprint, restartCount: object["RestartCount"]?.intValue ?? 0,
            healthStatus: health.flatMap { $0.isEmpty ? nil : $0 },
            hasHealthcheck: object["Config"]?["Healthcheck"] != nil && object["Config"]?["Healthcheck"]?.isNull == false,
            ipAddress: object["NetworkSettings"]?["IPAddress"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
        inspections.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[id] = inspection
        }
        return inspection
    }

    /// Runs the container's health check once (`podman healthcheck run`); its verdict.
    func runHealthcheck(_ id: String) async throws -> String? {
        let answer = try await client.json(.init(path: "/containers/\(id)/healthcheck", operation: "healthcheck"), notFoundIsNil: true)
        return answer?["Status"]?.stringValue
    }

    /// The last lines of a container's log, for a Degraded message.
    func logTail(_ id: String) async -> String {
        let call = PodmanClient.Call(path: "/containers/\(id)/logs", query: [("stdout", "true"), ("stderr", "true"), ("tail", "5")], operation: "logs")
        guard let reply = try? await client.send(call, timeout: .seconds(10)), reply.status == 200 else { return "" }
        let text = Self.demultiplex(reply.body).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return "" }
        let lines = text.split(separator: "\n").suffix(5).map { String($0.prefix(200)) }
        return "; last log lines: " + lines.joined(separator: " | ")
    }

    /// Podman's log stream for a container without a terminal: 8-byte frame headers (stream, size).
    static func demultiplex(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        guard bytes.count >= 8, bytes[0] <= 2, bytes[1] == 0, bytes[2] == 0, bytes[3] == 0 else { return String(decoding: bytes, as: UTF8.self) }
        while index + 8 <= bytes.count {
            let size = Int(bytes[index + 4]) << 24 | Int(bytes[index + 5]) << 16 | Int(bytes[index + 6]) << 8 | Int(bytes[index + 7])
            let start = index + 8
            let end = min(bytes.count, start + size)
            out.append(contentsOf: bytes[start..<end])
            index = end
        }
        return String(decoding: out, as: UTF8.self)
    }
}
