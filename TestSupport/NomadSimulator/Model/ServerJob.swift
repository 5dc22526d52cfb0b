import BosunCore

/// What Nomad's server stores and returns for a job: the canonicalised API job converted to the
/// server's `structs.Job` (its field order, Update pushed into groups, server-side defaults such as
/// `Datacenters: ["*"]`, node pool `default` and each task's default workload identity).
public enum ServerJob {
    public static func fromAPI(_ api: JSONObject) -> JSONObject {
        let job = JobCanonicalizer.canonicalize(api)
        var out = JSONObject()
        out["Stop"] = job["Stop"] ?? false
        out["Region"] = job["Region"] ?? "global"
        out["Namespace"] = job["Namespace"] ?? "default"
        out["ID"] = job["ID"] ?? ""
        out["ParentID"] = job["ParentID"] ?? ""
        out["Name"] = job["Name"] ?? ""
        out["Type"] = job["Type"] ?? "service"
        out["Priority"] = job["Priority"] ?? 50
        out["AllAtOnce"] = job["AllAtOnce"] ?? false
        out["Datacenters"] = job["Datacenters"].flatMap { $0.isEmptyCollection ? nil : $0 } ?? ["*"]
        out["NodePool"] = (job.string("NodePool") ?? "").isEmpty ? "default" : job["NodePool"] ?? "default"
        out["Constraints"] = constraints(job)
        out["Affinities"] = .null
        out["Spreads"] = .null
        let name = job.string("Name") ?? ""
        out["TaskGroups"] =
            job.isUnset("TaskGroups")
            ? .null : .array(job.objects("TaskGroups").map { .object(group($0, jobName: name, job: job)) })
        var update: JSONObject = [
            "Stagger": 0, "MaxParallel": 0, "HealthCheck": "", "MinHealthyTime": 0, "HealthyDeadline": 0,
            "ProgressDeadline": 0, "AutoRevert": false, "AutoPromote": false, "Canary": 0,
        ]
        // Only stagger and max_parallel stay at the job level; the rest lives in the groups.
        if let apiUpdate = job.object("Update"), (apiUpdate.int("MaxParallel") ?? 0) > 0 {
            update["Stagger"] = apiUpdate["Stagger"] ?? 0
            update["MaxParallel"] = apiUpdate["MaxParallel"] ?? 0
        }
        out["Update"] = .object(update)
        out["Multiregion"] = .null
        out["Periodic"] = .null
        out["ParameterizedJob"] = .null
        out["Dispatched"] = false
        out["DispatchIdempotencyToken"] = ""
        out["Payload"] = .null
        out["Meta"] = emptyAsNull(job["Meta"])
        out["ConsulNamespace"] = ""
        out["VaultNamespace"] = job["VaultNamespace"] ?? ""
        out["NomadTokenID"] = ""
        out["Status"] = ""
        out["StatusDescription"] = ""
        out["Stable"] = false
        out["Version"] = 0
        out["SubmitTime"] = 0
        out["CreateIndex"] = 0
        out["ModifyIndex"] = 0
        out["JobModifyIndex"] = 0
        out["UI"] = .null
        out["VersionTag"] = .null
        return out
    }

    private static func emptyAsNull(_ value: JSONValue?) -> JSONValue {
        guard let value, !value.isEmptyCollection else { return .null }
        if case .object(let o) = value { return .object(o.sortedByKey()) }
        return value
    }

    private static func constraints(_ object: JSONObject) -> JSONValue {
        let list = object.objects("Constraints")
        if list.isEmpty { return .null }
        return .array(list.map { .object($0.shaped(["LTarget", "RTarget", "Operand"], defaults: ["LTarget": "", "RTarget": "", "Operand": ""])) })
    }

    private static func group(_ g: JSONObject, jobName: String, job: JSONObject) -> JSONObject {
        let name = g.string("Name") ?? ""
        var out = JSONObject()
        out["Name"] = .string(name)
        out["Count"] = g["Count"] ?? 1
        if let update = g.object("Update") {
            out["Update"] = .object(
                update.shaped([
                    "Stagger", "MaxParallel", "HealthCheck", "MinHealthyTime", "HealthyDeadline", "ProgressDeadline",
                    "AutoRevert", "AutoPromote", "Canary",
                ]))
        } else {
            out["Update"] = .null
        }
        out["Migrate"] = g.object("Migrate").map { .object($0.shaped(["MaxParallel", "HealthCheck", "MinHealthyTime", "HealthyDeadline"])) } ?? .null
        out["Constraints"] = constraints(g)
        out["Scaling"] = .null
        out["RestartPolicy"] = restart(g.object("RestartPolicy") ?? JobCanonicalizer.defaultRestart(job.string("Type") ?? "service"))
        out["Disconnect"] = .null
        out["Tasks"] = g.isUnset("Tasks") ? .null : .array(g.objects("Tasks").map { .object(task($0, jobName: jobName, groupName: name, job: job)) })
        out["EphemeralDisk"] = g.object("EphemeralDisk").map { .object($0.shaped(["Sticky", "SizeMB", "Migrate"])) } ?? .null
        out["Meta"] = emptyAsNull(g["Meta"])
        out["ReschedulePolicy"] = g.object("ReschedulePolicy").map { .object($0.shaped(["Attempts", "Interval", "Delay", "DelayFunction", "MaxDelay", "Unlimited"])) } ?? .null
        out["Affinities"] = .null
        out["Spreads"] = .null
        out["Networks"] = networks(g.objects("Networks"))
        out["Consul"] = .null
        out["Services"] = services(g.objects("Services"), jobName: jobName, groupName: name, taskName: "group", job: job)
        out["Volumes"] = .null
        out["ShutdownDelay"] = g["ShutdownDelay"] ?? .null
        out["MaxRunDuration"] = .null
        out["StopAfterClientDisconnect"] = .null
        out["MaxClientDisconnect"] = .null
        out["PreventRescheduleOnLost"] = false
        return out
    }

    private static func restart(_ r: JSONObject) -> JSONValue {
        .object(r.shaped(["Attempts", "Interval", "Delay", "Mode", "RenderTemplates"]))
    }

    private static func networks(_ list: [JSONObject]) -> JSONValue {
        if list.isEmpty { return .null }
        return .array(
            list.map { n in
                var out = JSONObject()
                out["Mode"] = n["Mode"] ?? ""
                out["Device"] = n["Device"] ?? ""
                out["CIDR"] = n["CIDR"] ?? ""
                out["IP"] = n["IP"] ?? ""
                if let hostname = n.string("Hostname"), !hostname.isEmpty { out["Hostname"] = .string(hostname) }
                out["MBits"] = n["MBits"].flatMap { $0.isNull ? nil : $0 } ?? 0
                out["DNS"] = .null
                out["ReservedPorts"] = ports(n.objects("ReservedPorts"))
                out["DynamicPorts"] = ports(n.objects("DynamicPorts"))
                out["CNI"] = .null
                return .object(out)
            })
    }

    private static func ports(_ list: [JSONObject]) -> JSONValue {
        if list.isEmpty { return .null }
        return .array(
            list.map { p in
                var port = p.shaped(
                    ["Label", "Value", "To", "HostNetwork", "IgnoreCollision"],
                    defaults: ["Label": "", "Value": 0, "To": 0, "HostNetwork": "", "IgnoreCollision": false])
                if (port.string("HostNetwork") ?? "").isEmpty { port["HostNetwork"] = "default" }
                return .object(port)
            })
    }

    private static func services(
        _ list: [JSONObject], jobName: String, groupName: String, taskName: String, job: JSONObject
    ) -> JSONValue {
        if list.isEmpty { return .null }
        return .array(
            list.map { s in
                var out = JSONObject()
                let provider = (s.string("Provider") ?? "").isEmpty ? "consul" : s.string("Provider") ?? "consul"
                var serviceTask = s.string("TaskName") ?? ""
                if serviceTask.isEmpty && taskName != "group" { serviceTask = taskName }
                let name = s.string("Name") ?? ""
                out["Name"] = .string(name)
                out["TaskName"] = .string(serviceTask)
                out["PortLabel"] = s["PortLabel"] ?? ""
                out["AddressMode"] = s["AddressMode"] ?? "auto"
                out["Address"] = s["Address"] ?? ""
                out["EnableTagOverride"] = s["EnableTagOverride"] ?? false
                out["Tags"] = emptyAsNull(s["Tags"])
                out["CanaryTags"] = emptyAsNull(s["CanaryTags"])
                let checks = s.objects("Checks")
                out["Checks"] =
                    checks.isEmpty
                    ? .null
                    : .array(
                        checks.map { c in
                            var check = c.shaped(
                                [
                                    "Name", "Type", "Command", "Args", "Path", "Protocol", "PortLabel", "Expose",
                                    "AddressMode", "Interval", "Timeout", "InitialStatus", "Notes", "TLSServerName",
                                    "TLSSkipVerify", "Method", "Header", "CheckRestart", "GRPCService", "GRPCUseTLS",
                                    "TaskName", "SuccessBeforePassing", "FailuresBeforeCritical",
                                    "FailuresBeforeWarning", "Body", "OnUpdate",
                                ],
                                defaults: [
                                    "Name": "", "Type": "", "Command": "", "Path": "", "Protocol": "", "PortLabel": "",
                                    "Expose": false, "AddressMode": "", "Interval": 0, "Timeout": 0,
                                    "InitialStatus": "", "Notes": "", "TLSServerName": "", "TLSSkipVerify": false,
                                    "Method": "", "GRPCService": "", "GRPCUseTLS": false, "TaskName": "",
                                    "SuccessBeforePassing": 0, "FailuresBeforeCritical": 0, "FailuresBeforeWarning": 0,
                                    "Body": "", "OnUpdate": "",
                                ])
                            check["Args"] = emptyAsNull(check["Args"])
                            if (check.string("Name") ?? "").isEmpty { check["Name"] = .string("service: \"\(name)\" check") }
                            if (check.string("TaskName") ?? "").isEmpty && taskName != "group" {
                                check["TaskName"] = .string(taskName)
                            }
                            if (check.string("OnUpdate") ?? "").isEmpty { check["OnUpdate"] = "require_healthy" }
                            return .object(check)
                        })
                out["Connect"] = .null
                out["Meta"] = emptyAsNull(s["Meta"])
                out["CanaryMeta"] = emptyAsNull(s["CanaryMeta"])
                out["Weights"] = .null
                out["TaggedAddresses"] = emptyAsNull(s["TaggedAddresses"])
                out["Namespace"] = .string(provider == "nomad" ? (job.string("Namespace") ?? "default") : "default")
                out["OnUpdate"] = s["OnUpdate"] ?? "require_healthy"
                out["Provider"] = .string(provider)
                out["Cluster"] = s["Cluster"] ?? "default"
                out["Identity"] = .null
                out["Kind"] = s["Kind"] ?? ""
                return .object(out)
            })
    }

    private static func task(_ t: JSONObject, jobName: String, groupName: String, job: JSONObject) -> JSONObject {
        let name = t.string("Name") ?? ""
        var out = JSONObject()
        out["Name"] = .string(name)
        out["Driver"] = t["Driver"] ?? ""
        out["User"] = t["User"] ?? ""
        out["Config"] = emptyAsNull(t["Config"])
        out["Env"] = emptyAsNull(t["Env"])
        out["Services"] = services(t.objects("Services"), jobName: jobName, groupName: groupName, taskName: name, job: job)
        out["Vault"] = .null
        out["Secrets"] = .null
        out["Consul"] = .null
        out["Templates"] = .null
        out["Constraints"] = constraints(t)
        out["Affinities"] = .null
        let r = t.object("Resources") ?? [:]
        func number(_ key: String, _ fallback: Int) -> JSONValue {
            guard let value = r[key], !value.isNull else { return .int(fallback) }
            return value
        }
        var resources = JSONObject()
        resources["CPU"] = number("CPU", 100)
        resources["Cores"] = number("Cores", 0)
        resources["MemoryMB"] = number("MemoryMB", 300)
        resources["MemoryMaxMB"] = number("MemoryMaxMB", 0)
        resources["DiskMB"] = 0
        resources["IOPS"] = number("IOPS", 0)
        resources["Networks"] = .null
        resources["Devices"] = .null
        resources["NUMA"] = .null
        resources["SecretsMB"] = number("SecretsMB", 0)
        out["Resources"] = .object(resources)
        out["RestartPolicy"] = t.object("RestartPolicy").map(restart) ?? .null
        out["DispatchPayload"] = .null
        out["Lifecycle"] = t.object("Lifecycle").map { .object($0.shaped(["Hook", "Sidecar"], defaults: ["Hook": "", "Sidecar": false])) } ?? .null
        out["Meta"] = emptyAsNull(t["Meta"])
        out["KillTimeout"] = t["KillTimeout"] ?? .int(5 * Nanoseconds.second)
        if let logs = t.object("LogConfig") {
            let disabled = (logs.bool("Disabled") ?? false) || logs.bool("Enabled") == false
            out["LogConfig"] = ["MaxFiles": logs["MaxFiles"] ?? 10, "MaxFileSizeMB": logs["MaxFileSizeMB"] ?? 10, "Disabled": .bool(disabled)]
        } else {
            out["LogConfig"] = .null
        }
        out["Artifacts"] = .null
        out["Leader"] = t["Leader"] ?? false
        out["ShutdownDelay"] = t["ShutdownDelay"] ?? 0
        out["VolumeMounts"] = .null
        out["ScalingPolicies"] = .null
        out["KillSignal"] = t["KillSignal"] ?? ""
        out["Kind"] = t["Kind"] ?? ""
        out["CSIPluginConfig"] = .null
        out["Identity"] = [
            "Name": "default", "Audience": ["nomadproject.io"], "ChangeMode": "", "ChangeSignal": "", "Env": false,
            "File": false, "Filepath": "", "ServiceName": "", "TTL": 0, "ExtraClaims": nil,
        ]
        out["Identities"] = .null
        out["Actions"] = .null
        out["Schedule"] = .null
        return out
    }
}
