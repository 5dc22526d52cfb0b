import BosunCore

/// A Job is healthy once it completes and degraded once it fails; until then it progresses.
enum JobHealth {
    static func health(_ job: Resource) -> HealthStatus {
        if let failed = job.condition("Failed"), failed.isTrue {
            let reason = failed.reason.isEmpty ? "no reason given" : failed.reason
            return .degraded("Job failed: \(reason)\(failed.message.isEmpty ? "" : " (\(failed.message))")")
        }
        let succeeded = job.int("status", "succeeded") ?? 0
        if let complete = job.condition("Complete"), complete.isTrue {
            return .healthy("Job completed (\(succeeded) succeeded)")
        }
        if job.bool("spec", "suspend") == true {
            return .suspended("Job is suspended (spec.suspend: true)")
        }
        let active = job.int("status", "active") ?? 0
        let failedPods = job.int("status", "failed") ?? 0
        let completions = job.int("spec", "completions") ?? 1
        var message = "Job is running: \(active) active, \(succeeded) of \(completions) succeeded"
        if failedPods > 0 {
            let limit = job.int("spec", "backoffLimit") ?? 6
            message += ", \(failedPods) failed (backoffLimit \(limit))"
        }
        return .progressing(message)
    }
}
