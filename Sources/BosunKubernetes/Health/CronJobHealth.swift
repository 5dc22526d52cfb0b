import BosunCore

/// A CronJob's health from its schedule history: healthy while its last scheduled job
/// succeeded, degraded when the last one failed. (Times are RFC 3339 in UTC, so they compare
/// as text.)
enum CronJobHealth {
    static func health(_ cronJob: Resource) -> HealthStatus {
        if cronJob.bool("spec", "suspend") == true {
            return .suspended("CronJob is suspended (spec.suspend: true): no new jobs are scheduled")
        }
        let schedule = cronJob.string("spec", "schedule") ?? "?"
        let active = cronJob.array("status", "active").count
        guard let lastSchedule = cronJob.string("status", "lastScheduleTime") else {
            return .healthy("CronJob has not run yet (schedule \"\(schedule)\")")
        }
        let lastSuccess = cronJob.string("status", "lastSuccessfulTime")
        if let lastSuccess, lastSuccess >= lastSchedule {
            return .healthy("The last job (scheduled at \(lastSchedule)) succeeded at \(lastSuccess)")
        }
        if active > 0 {
            return .progressing("A job scheduled at \(lastSchedule) is running (\(active) active)")
        }
        if lastSuccess == nil {
            return .degraded("No job of this CronJob has succeeded yet (last scheduled at \(lastSchedule)); look at its Jobs' pods for the cause")
        }
        return .degraded("The last job (scheduled at \(lastSchedule)) did not succeed; the last success was at \(lastSuccess ?? "")")
    }
}
