import BosunCore

/// Nomad API `Job.Canonicalize()` on JSON: fills every unset field with the default the Go client
/// library would, merging job-level `update` into groups and group `restart` into tasks.
public enum JobCanonicalizer {
    public static func canonicalize(_ input: JSONObject) -> JSONObject {
        var job = input
        job.fill("ID", "")
        job.fill("Name", job["ID"] ?? "")
        job.fill("ParentID", "")
        job.fill("Namespace", "default")
        job.fill("Priority", 50)
        job.fill("Stop", false)
        job.fill("Region", "global")
        job.fill("NodePool", "")
        job.fill("Type", "service")
        job.fill("AllAtOnce", false)
        for key in ["ConsulNamespace", "VaultNamespace", "NomadTokenID", "Status", "StatusDescription"] {
            job.fill(key, "")
        }
        job.fill("Stable", false)
        for key in ["Version", "CreateIndex", "ModifyIndex", "JobModifyIndex"] { job.fill(key, 0) }
        let type = job.string("Type") ?? "service"
        if let update = job.object("Update") {
            job["Update"] = .object(canonicalUpdate(update))
        } else if type == "service" || type == "system" {
            job["Update"] = .object(defaultUpdate)
        }
        if !job.isUnset("TaskGroups") {
            job["TaskGroups"] = .array(job.objects("TaskGroups").map { .object(canonicalGroup($0, job: job)) })
        }
        return job
    }

    static let defaultUpdate: JSONObject = [
        "Stagger": .int(30 * Nanoseconds.second), "MaxParallel": 1, "HealthCheck": "checks",
        "MinHealthyTime": .int(10 * Nanoseconds.second), "HealthyDeadline": .int(5 * Nanoseconds.minute),
        "ProgressDeadline": .int(10 * Nanoseconds.minute), "Canary": 0, "AutoRevert": false, "AutoPromote": false,
    ]

    static func canonicalUpdate(_ update: JSONObject) -> JSONObject {
        var out = update
        for entry in defaultUpdate { out.fill(entry.key, entry.value) }
        return out.shaped(Array(defaultUpdate.keys))
    }

    /// `UpdateStrategy.Empty()`: nothing set to a non-zero value.
    static func isEmptyUpdate(_ update: JSONObject) -> Bool {
        for entry in update {
            switch entry.value {
            case .null: continue
            case .int(0), .bool(false), .string(""): continue
            case .double(let d) where d == 0: continue
            default: return false
            }
        }
        return true
    }

    private static func canonicalGroup(_ input: JSONObject, job: JSONObject) -> JSONObject {
        var group = input
        let type = job.string("Type") ?? "service"
        group.fill("Name", "")
        group.fill("Count", 1)
        var disk = group.object("EphemeralDisk") ?? [:]
        disk.fill("Sticky", false)
        disk.fill("Migrate", false)
        disk.fill("SizeMB", 300)
        group["EphemeralDisk"] = .object(disk.shaped(["Sticky", "Migrate", "SizeMB"]))

        // The group's update block overrides the job's field by field.
        if let jobUpdate = job.object("Update") {
            if let own = group.object("Update") {
                var merged = jobUpdate
                for entry in own where !entry.value.isNull { merged[entry.key] = entry.value }
                group["Update"] = .object(merged)
            } else if !isEmptyUpdate(jobUpdate) {
                group["Update"] = .object(jobUpdate)
            }
        }
        if let update = group.object("Update") { group["Update"] = .object(canonicalUpdate(update)) }

        if group.isUnset("ReschedulePolicy"), let jobReschedule = job.object("Reschedule") {
            group["ReschedulePolicy"] = .object(jobReschedule)
        }
        if group.isUnset("ReschedulePolicy") && type != "sysbatch" && type != "system" {
            group["ReschedulePolicy"] = .object([:])
        }
        if var policy = group.object("ReschedulePolicy") {
            for entry in defaultReschedule(type) { policy.fill(entry.key, entry.value) }
            group["ReschedulePolicy"] = .object(policy.shaped(Array(defaultReschedule(type).keys)))
        }

        if group.isUnset("Migrate"), let jobMigrate = job.object("Migrate") { group["Migrate"] = .object(jobMigrate) }
        if group.isUnset("Migrate") && type == "service" { group["Migrate"] = .object([:]) }
        if var migrate = group.object("Migrate") {
            let defaults: JSONObject = [
                "MaxParallel": 1, "HealthCheck": "checks", "MinHealthyTime": .int(10 * Nanoseconds.second),
                "HealthyDeadline": .int(5 * Nanoseconds.minute),
            ]
            for entry in defaults { migrate.fill(entry.key, entry.value) }
            group["Migrate"] = .object(migrate.shaped(Array(defaults.keys)))
        }

        var restart = defaultRestart(type)
        for entry in group.object("RestartPolicy") ?? [:] where !entry.value.isNull { restart[entry.key] = entry.value }
        group["RestartPolicy"] = .object(restart)

        let jobName = job.string("Name") ?? ""
        let groupName = group.string("Name") ?? ""
        if !group.isUnset("Tasks") {
            group["Tasks"] = .array(group.objects("Tasks").map { .object(canonicalTask($0, group: group, job: job)) })
        }
        if !group.isUnset("Services") {
            group["Services"] = .array(
                group.objects("Services").map { .object(canonicalService($0, defaultName: "\(jobName)-\(groupName)")) })
        }
        return group
    }

    static func defaultReschedule(_ type: String) -> JSONObject {
        switch type {
        case "service":
            return [
                "Attempts": 0, "Interval": 0, "Delay": .int(30 * Nanoseconds.second), "DelayFunction": "exponential",
                "MaxDelay": .int(Nanoseconds.hour), "Unlimited": true,
            ]
        case "batch":
            return [
                "Attempts": 1, "Interval": .int(24 * Nanoseconds.hour), "Delay": .int(5 * Nanoseconds.second),
                "DelayFunction": "constant", "MaxDelay": 0, "Unlimited": false,
            ]
        default:
            return ["Attempts": 0, "Interval": 0, "Delay": 0, "DelayFunction": "", "MaxDelay": 0, "Unlimited": false]
        }
    }

    static func defaultRestart(_ type: String) -> JSONObject {
        let service = type == "service" || type == "system"
        return [
            "Interval": .int(service ? 30 * Nanoseconds.minute : 24 * Nanoseconds.hour), "Attempts": service ? 2 : 3,
            "Delay": .int(15 * Nanoseconds.second), "Mode": "fail", "RenderTemplates": false,
        ]
    }

    private static func canonicalTask(_ input: JSONObject, group: JSONObject, job: JSONObject) -> JSONObject {
        var task = input
        var resources = task.object("Resources") ?? [:]
        if resources.isUnset("Cores") {
            resources["Cores"] = 0
            resources.fill("CPU", 100)
        }
        resources.fill("CPU", 0)
        resources.fill("MemoryMB", 300)
        task["Resources"] = .object(
            resources.shaped([
                "CPU", "Cores", "MemoryMB", "MemoryMaxMB", "DiskMB", "Networks", "Devices", "NUMA", "SecretsMB", "IOPS",
            ]))
        task.fill("KillTimeout", .int(5 * Nanoseconds.second))
        var logs = task.object("LogConfig") ?? [:]
        logs.fill("MaxFiles", 10)
        logs.fill("MaxFileSizeMB", 10)
        logs.fill("Disabled", false)
        task["LogConfig"] = .object(logs.shaped(["MaxFiles", "MaxFileSizeMB", "Enabled", "Disabled"]))
        let groupRestart = group.object("RestartPolicy") ?? [:]
        if let own = task.object("RestartPolicy") {
            var merged = groupRestart
            for entry in own where !entry.value.isNull { merged[entry.key] = entry.value }
            task["RestartPolicy"] = .object(merged)
        } else {
            task["RestartPolicy"] = .object(groupRestart)
        }
        let name = "\(job.string("Name") ?? "")-\(group.string("Name") ?? "")-\(task.string("Name") ?? "")"
        if !task.isUnset("Services") {
            task["Services"] = .array(task.objects("Services").map { .object(canonicalService($0, defaultName: name)) })
        }
        return task
    }

    private static func canonicalService(_ input: JSONObject, defaultName: String) -> JSONObject {
        var service = input
        if (service.string("Name") ?? "").isEmpty { service["Name"] = .string(defaultName) }
        if (service.string("AddressMode") ?? "").isEmpty { service["AddressMode"] = "auto" }
        if (service.string("OnUpdate") ?? "").isEmpty { service["OnUpdate"] = "require_healthy" }
        if (service.string("Provider") ?? "").isEmpty { service["Provider"] = "consul" }
        if (service.string("Cluster") ?? "").isEmpty { service["Cluster"] = "default" }
        for key in ["Meta", "CanaryMeta", "TaggedAddresses"] where service[key]?.isEmptyCollection ?? true {
            service[key] = .null
        }
        let onUpdate = service["OnUpdate"] ?? "require_healthy"
        if !service.isUnset("Checks") {
            service["Checks"] = .array(
                service.objects("Checks").map { check in
                    var check = check
                    for key in ["SuccessBeforePassing", "FailuresBeforeCritical", "FailuresBeforeWarning"]
                    where (check.int(key) ?? 0) < 0 {
                        check[key] = 0
                    }
                    if (check.string("OnUpdate") ?? "").isEmpty { check["OnUpdate"] = onUpdate }
                    return .object(check)
                })
        }
        return service
    }
}
