import BosunCore

/// Health of a Nomad job from what Nomad says about it: the deployment of the version Bosun
/// registered (or the latest), else its allocations. Pure, so it is tested on JSON fixtures
/// shaped as Nomad's documented responses.
public enum NomadHealth {
    /// A deployment (`GET /v1/deployment/:id`, or an element of `/v1/job/:id/deployments`):
    /// running → Progressing with healthy/desired counts, successful → Healthy, failed or
    /// cancelled → Degraded with Nomad's description.
    public static func fromDeployment(_ deployment: JSONValue, jobID: String) -> HealthStatus {
        let status = deployment["Status"]?.stringValue ?? ""
        let description = deployment["StatusDescription"]?.stringValue ?? ""
        let version = deployment["JobVersion"]?.intValue.map { " (job version \($0))" } ?? ""
        var desired = 0
        var healthy = 0
        var unhealthy = 0
        for group in deployment["TaskGroups"]?.objectValue ?? JSONObject() {
            desired += group.value["DesiredTotal"]?.intValue ?? 0
            healthy += group.value["HealthyAllocs"]?.intValue ?? 0
            unhealthy += group.value["UnhealthyAllocs"]?.intValue ?? 0
        }
        switch status {
        case "successful":
            return .healthy(description.isEmpty ? "deployment successful\(version)" : "\(description)\(version)")
        case "failed", "cancelled":
            var message = "deployment \(status)\(version): \(description.isEmpty ? "no description" : description)"
            if let revert = revertedVersion(description) {
                message += "; Nomad rolled job \(jobID) back to version \(revert), so it no longer matches Git"
            }
            return .degraded(message)
        case "paused", "blocked", "unblocking":
            return .suspended("deployment \(status)\(version): \(description)")
        default:
            var message = "deployment \(status.isEmpty ? "running" : status)\(version): \(healthy)/\(desired) allocations healthy"
            if unhealthy > 0 { message += ", \(unhealthy) unhealthy" }
            return .progressing(message)
        }
    }

    /// The version in Nomad's "rolling back to job version N", if the description says so.
    public static func revertedVersion(_ description: String) -> Int? {
        guard let range = description.range(of: "rolling back to job version ") else { return nil }
        return Int(description[range.upperBound...].prefix { $0.isNumber })
    }

    /// A job without deployments (batch, sysbatch, system, or a service before its first
    /// deployment), judged from its allocations (`GET /v1/job/:id/allocations`, newest first).
    public static func fromAllocations(_ allocations: JSONValue, jobType: String, jobVersion: Int?) -> HealthStatus {
        var list = allocations.arrayValue ?? []
        if let jobVersion {
            let current = list.filter { $0["JobVersion"]?.intValue == jobVersion }
            if !current.isEmpty { list = current }
        }
        let wanted = list.filter { $0["DesiredStatus"]?.stringValue == "run" }
        if wanted.isEmpty {
            if jobType == "batch" || jobType == "sysbatch", list.contains(where: { $0["ClientStatus"]?.stringValue == "complete" }) {
                return .healthy("all allocations complete")
            }
            return .progressing("no allocations placed yet")
        }
        var counts: [String: Int] = [:]
        for alloc in wanted { counts[alloc["ClientStatus"]?.stringValue ?? "unknown", default: 0] += 1 }
        let total = wanted.count
        if let failed = wanted.first(where: { $0["ClientStatus"]?.stringValue == "failed" || $0["ClientStatus"]?.stringValue == "lost" }) {
            let why = failed["ClientDescription"]?.stringValue ?? ""
            return .degraded("\(counts["failed", default: 0] + counts["lost", default: 0])/\(total) allocations failed: \(failureReason(failed) ?? why)")
        }
        let batch = jobType == "batch" || jobType == "sysbatch"
        let done = counts["complete", default: 0]
        let running = counts["running", default: 0]
        if batch {
            if done == total { return .healthy("all \(total) allocations complete") }
            return .progressing("\(done)/\(total) allocations complete, \(running) running")
        }
        if running == total { return .healthy("\(running)/\(total) allocations running") }
        return .progressing("\(running)/\(total) allocations running")
    }

    /// The last failing task event's text, the most useful line for a person.
    static func failureReason(_ alloc: JSONValue) -> String? {
        for state in alloc["TaskStates"]?.objectValue ?? JSONObject() {
            for event in (state.value["Events"]?.arrayValue ?? []).reversed() {
                if event["FailsTask"]?.boolValue == true || event["Type"]?.stringValue == "Driver Failure" {
                    let text = event["DisplayMessage"]?.stringValue ?? event["DriverError"]?.stringValue ?? ""
                    if !text.isEmpty { return "task \(state.key): \(text)" }
                }
            }
        }
        return nil
    }
}
