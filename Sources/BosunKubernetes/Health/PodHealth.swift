import BosunCore

/// A Pod's health from its phase and its containers' states.
///
/// Container errors (crash loops, image pulls, bad config) make a pod with `restartPolicy:
/// Always` Degraded. Pods that run to completion (`OnFailure`, `Never`) are usually hooks or
/// jobs: the same errors only keep them Progressing, so a hook is not failed for a condition
/// that may still clear (as Argo CD does).
enum PodHealth {
    static func health(_ pod: Resource) -> HealthStatus {
        let restartPolicy = pod.string("spec", "restartPolicy") ?? "Always"
        let containers = containerStatuses(pod)
        let problems = containers.compactMap(\.problem)
        if !problems.isEmpty {
            let message = problems.joined(separator: "; ")
            return restartPolicy == "Always" ? .degraded(message) : .progressing(message)
        }
        let phase = pod.string("status", "phase") ?? ""
        let statusMessage = joined(pod.string("status", "reason"), pod.string("status", "message"))
        switch phase {
        case "Pending":
            if let scheduled = pod.condition("PodScheduled"), scheduled.isFalse {
                return .progressing("Pod is pending: \(scheduled.explanation)")
            }
            let waiting = containers.filter { $0.waitingReason != nil }
            if !waiting.isEmpty {
                let names = waiting.map { "\($0.name) (\($0.waitingReason ?? ""))" }
                return .progressing("Pod is pending: waiting for containers \(names.joined(separator: ", "))")
            }
            return .progressing(statusMessage.map { "Pod is pending: \($0)" } ?? "Pod is pending")
        case "Succeeded":
            return .healthy("Pod completed")
        case "Failed":
            if let statusMessage { return .degraded("Pod failed: \(statusMessage)") }
            for container in containers {
                if let failure = container.failure { return .degraded("Pod failed: \(failure)") }
            }
            return .degraded("Pod failed")
        case "Running":
            guard restartPolicy == "Always" else {
                return .progressing("Pod is running (restartPolicy \(restartPolicy): it is healthy once it completes)")
            }
            if pod.condition("Ready")?.isTrue == true {
                return .healthy("all \(containers.filter { !$0.isInit }.count) containers are ready")
            }
            let notReady = containers.filter { !$0.isInit && !$0.ready }
            if let restarted = notReady.first(where: { $0.lastExit != nil }) {
                return .degraded("container \(restarted.name) is not ready after a restart (restarted \(times(restarted.restartCount)), last exit code \(restarted.lastExit ?? 0))")
            }
            if notReady.isEmpty {
                return .progressing("Waiting for the pod to be ready")
            }
            return .progressing("Waiting for containers to be ready: \(notReady.map(\.name).joined(separator: ", "))")
        default:
            let shown = phase.isEmpty ? "not reported yet" : phase
            return .unknown("Pod phase is \(shown)\(statusMessage.map { ": \($0)" } ?? "")")
        }
    }

    /// The state of one container as a health rule reads it.
    struct ContainerState {
        var name: String
        var isInit: Bool
        var ready: Bool
        var restartCount: Int
        var waitingReason: String?
        var waitingMessage: String?
        var terminated: JSONValue?
        var lastTerminated: JSONValue?

        func times(_ count: Int) -> String { PodHealth.times(count) }

        var label: String { isInit ? "init container \(name)" : "container \(name)" }
        var lastExit: Int? { lastTerminated?["exitCode"]?.intValue }

        /// A waiting reason that will not clear without someone acting.
        var problem: String? {
            guard let reason = waitingReason else { return nil }
            if reason == "CrashLoopBackOff" {
                var detail = "restarted \(times(restartCount))"
                if let code = lastExit {
                    detail += ", last exit code \(code)"
                    if let why = lastTerminated?["reason"]?.stringValue, why == "OOMKilled" { detail += ": OOMKilled" }
                }
                return "\(label) is crash-looping (\(detail))"
            }
            let isError = reason.hasPrefix("Err") || reason.hasSuffix("Error") || reason.hasSuffix("BackOff")
                || reason == "InvalidImageName"
            guard isError else { return nil }
            if let message = waitingMessage, !message.isEmpty { return message }
            return "\(label) is waiting: \(reason)"
        }

        /// Why a terminated container failed, when it did.
        var failure: String? {
            guard let terminated else { return nil }
            let code = terminated["exitCode"]?.intValue ?? 0
            if let message = terminated["message"]?.stringValue, !message.isEmpty { return "\(label): \(message)" }
            if terminated["reason"]?.stringValue == "OOMKilled" { return "\(label) was killed for using too much memory (OOMKilled)" }
            if code != 0 { return "\(label) failed with exit code \(code)" }
            return nil
        }
    }

    static func containerStatuses(_ pod: Resource) -> [ContainerState] {
        func read(_ entries: [JSONValue], isInit: Bool) -> [ContainerState] {
            entries.map { entry in
                ContainerState(
                    name: entry["name"]?.stringValue ?? "?", isInit: isInit, ready: entry["ready"]?.boolValue ?? false,
                    restartCount: entry["restartCount"]?.intValue ?? 0,
                    waitingReason: entry["state"]?["waiting"]?["reason"]?.stringValue,
                    waitingMessage: entry["state"]?["waiting"]?["message"]?.stringValue,
                    terminated: entry["state"]?["terminated"], lastTerminated: entry["lastState"]?["terminated"])
            }
        }
        return read(pod.array("status", "initContainerStatuses"), isInit: true)
            + read(pod.array("status", "containerStatuses"), isInit: false)
    }

    static func times(_ count: Int) -> String { count == 1 ? "1 time" : "\(count) times" }

    private static func joined(_ reason: String?, _ message: String?) -> String? {
        switch (reason?.isEmpty == false ? reason : nil, message?.isEmpty == false ? message : nil) {
        case (let r?, let m?): "\(r): \(m)"
        case (let r?, nil): r
        case (nil, let m?): m
        case (nil, nil): nil
        }
    }
}
