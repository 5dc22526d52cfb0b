import BosunCore

/// How one HCL argument or block of a jobspec maps onto a field of Nomad's API `Job` JSON.
struct JobspecField: Sendable {
    enum Kind: Sendable {
        case string, int, bool, duration, stringList
        /// `meta`/`env`: a block of string attributes, or an attribute holding an object.
        case stringMap
        /// `config`: anything, nested blocks becoming lists of objects.
        case anyMap
        case block(JobspecBlock)
        case blockList(JobspecBlock)
        case constraints
    }

    var hcl: String
    var json: String
    var kind: Kind
    var required = false

    init(_ hcl: String, _ json: String, _ kind: Kind, required: Bool = false) {
        self.hcl = hcl
        self.json = json
        self.kind = kind
        self.required = required
    }

    var isBlock: Bool {
        switch kind {
        case .block, .blockList, .constraints: true
        default: false
        }
    }
}

/// The schema of one jobspec block: its labels, the fields the simulator decodes, the names that
/// are valid in Nomad but not implemented here, and the API struct's JSON shape (field order and
/// the value each field has when unset: `null` for Go pointers, slices and maps, zero otherwise).
final class JobspecBlock: Sendable {
    let name: String
    let label: String?
    let fields: [JobspecField]
    let unsupported: Set<String>
    let shape: JSONObject

    init(name: String, label: String? = nil, fields: [JobspecField], unsupported: Set<String> = [], shape: JSONObject) {
        self.name = name
        self.label = label
        self.fields = fields
        self.unsupported = unsupported
        self.shape = shape
    }

    func field(_ hcl: String) -> JobspecField? { fields.first { $0.hcl == hcl } }
}

/// Nomad's jobspec, as far as the simulator implements it. Field order of each shape follows the
/// Go structs in Nomad's `api` package, because `/v1/jobs/parse` returns those structs.
enum JobspecSchema {
    static let constraint = JobspecBlock(
        name: "constraint",
        fields: [],
        shape: ["LTarget": "", "RTarget": "", "Operand": ""])

    static let update = JobspecBlock(
        name: "update",
        fields: [
            .init("stagger", "Stagger", .duration), .init("max_parallel", "MaxParallel", .int),
            .init("health_check", "HealthCheck", .string), .init("min_healthy_time", "MinHealthyTime", .duration),
            .init("healthy_deadline", "HealthyDeadline", .duration),
            .init("progress_deadline", "ProgressDeadline", .duration), .init("canary", "Canary", .int),
            .init("auto_revert", "AutoRevert", .bool), .init("auto_promote", "AutoPromote", .bool),
        ],
        shape: [
            "Stagger": nil, "MaxParallel": nil, "HealthCheck": nil, "MinHealthyTime": nil, "HealthyDeadline": nil,
            "ProgressDeadline": nil, "Canary": nil, "AutoRevert": nil, "AutoPromote": nil,
        ])

    static let restart = JobspecBlock(
        name: "restart",
        fields: [
            .init("interval", "Interval", .duration), .init("attempts", "Attempts", .int),
            .init("delay", "Delay", .duration), .init("mode", "Mode", .string),
            .init("render_templates", "RenderTemplates", .bool),
        ],
        shape: ["Interval": nil, "Attempts": nil, "Delay": nil, "Mode": nil, "RenderTemplates": nil])

    static let ephemeralDisk = JobspecBlock(
        name: "ephemeral_disk",
        fields: [.init("sticky", "Sticky", .bool), .init("migrate", "Migrate", .bool), .init("size", "SizeMB", .int)],
        shape: ["Sticky": nil, "Migrate": nil, "SizeMB": nil])

    static let logs = JobspecBlock(
        name: "logs",
        fields: [
            .init("max_files", "MaxFiles", .int), .init("max_file_size", "MaxFileSizeMB", .int),
            .init("enabled", "Enabled", .bool), .init("disabled", "Disabled", .bool),
        ],
        shape: ["MaxFiles": nil, "MaxFileSizeMB": nil, "Enabled": nil, "Disabled": nil])

    static let lifecycle = JobspecBlock(
        name: "lifecycle",
        fields: [.init("hook", "Hook", .string, required: true), .init("sidecar", "Sidecar", .bool)],
        shape: ["Hook": "", "Sidecar": false])

    static let resources = JobspecBlock(
        name: "resources",
        fields: [
            .init("cpu", "CPU", .int), .init("cores", "Cores", .int), .init("memory", "MemoryMB", .int),
            .init("memory_max", "MemoryMaxMB", .int), .init("disk", "DiskMB", .int), .init("secrets", "SecretsMB", .int),
            .init("iops", "IOPS", .int),
        ],
        unsupported: ["network", "device", "numa"],
        shape: [
            "CPU": nil, "Cores": nil, "MemoryMB": nil, "MemoryMaxMB": nil, "DiskMB": nil, "Networks": nil, "Devices": nil,
            "NUMA": nil, "SecretsMB": nil, "IOPS": nil,
        ])

    static let port = JobspecBlock(
        name: "port", label: "Label",
        fields: [
            .init("static", "Value", .int), .init("to", "To", .int), .init("host_network", "HostNetwork", .string),
            .init("ignore_collision", "IgnoreCollision", .bool),
        ],
        shape: ["Label": "", "Value": 0, "To": 0, "HostNetwork": "", "IgnoreCollision": false])

    static let network = JobspecBlock(
        name: "network",
        fields: [
            .init("mode", "Mode", .string), .init("device", "Device", .string), .init("cidr", "CIDR", .string),
            .init("ip", "IP", .string), .init("port", "DynamicPorts", .blockList(port)),
            .init("hostname", "Hostname", .string), .init("mbits", "MBits", .int),
        ],
        unsupported: ["dns", "cni", "reserved_ports"],
        shape: [
            "Mode": "", "Device": "", "CIDR": "", "IP": "", "DNS": nil, "ReservedPorts": nil, "DynamicPorts": nil,
            "Hostname": "", "MBits": nil, "CNI": nil,
        ])

    static let check = JobspecBlock(
        name: "check",
        fields: [
            .init("name", "Name", .string), .init("type", "Type", .string), .init("command", "Command", .string),
            .init("args", "Args", .stringList), .init("path", "Path", .string), .init("protocol", "Protocol", .string),
            .init("port", "PortLabel", .string), .init("expose", "Expose", .bool),
            .init("address_mode", "AddressMode", .string), .init("advertise", "Advertise", .string),
            .init("interval", "Interval", .duration), .init("timeout", "Timeout", .duration),
            .init("initial_status", "InitialStatus", .string), .init("notes", "Notes", .string),
            .init("tls_server_name", "TLSServerName", .string), .init("tls_skip_verify", "TLSSkipVerify", .bool),
            .init("method", "Method", .string), .init("grpc_service", "GRPCService", .string),
            .init("grpc_use_tls", "GRPCUseTLS", .bool), .init("task", "TaskName", .string),
            .init("success_before_passing", "SuccessBeforePassing", .int),
            .init("failures_before_critical", "FailuresBeforeCritical", .int),
            .init("failures_before_warning", "FailuresBeforeWarning", .int), .init("body", "Body", .string),
            .init("on_update", "OnUpdate", .string),
        ],
        unsupported: ["header", "check_restart"],
        shape: [
            "Name": "", "Type": "", "Command": "", "Args": nil, "Path": "", "Protocol": "", "PortLabel": "",
            "Expose": false, "AddressMode": "", "Advertise": "", "Interval": 0, "Timeout": 0, "InitialStatus": "",
            "Notes": "", "TLSServerName": "", "TLSSkipVerify": false, "Header": nil, "Method": "", "CheckRestart": nil,
            "GRPCService": "", "GRPCUseTLS": false, "TaskName": "", "SuccessBeforePassing": 0,
            "FailuresBeforeCritical": 0, "FailuresBeforeWarning": 0, "Body": "", "OnUpdate": "",
        ])

    static let service = JobspecBlock(
        name: "service",
        fields: [
            .init("name", "Name", .string), .init("tags", "Tags", .stringList),
            .init("canary_tags", "CanaryTags", .stringList), .init("enable_tag_override", "EnableTagOverride", .bool),
            .init("port", "PortLabel", .string), .init("address_mode", "AddressMode", .string),
            .init("address", "Address", .string), .init("check", "Checks", .blockList(check)),
            .init("meta", "Meta", .stringMap), .init("canary_meta", "CanaryMeta", .stringMap),
            .init("tagged_addresses", "TaggedAddresses", .stringMap), .init("task", "TaskName", .string),
            .init("on_update", "OnUpdate", .string), .init("provider", "Provider", .string),
            .init("cluster", "Cluster", .string), .init("kind", "Kind", .string),
        ],
        unsupported: ["check_restart", "connect", "identity", "weights"],
        shape: [
            "Name": "", "Tags": nil, "CanaryTags": nil, "EnableTagOverride": false, "PortLabel": "", "AddressMode": "",
            "Address": "", "Checks": nil, "CheckRestart": nil, "Connect": nil, "Meta": nil, "CanaryMeta": nil,
            "TaggedAddresses": nil, "TaskName": "", "OnUpdate": "", "Identity": nil, "Weights": nil, "Provider": "",
            "Cluster": "", "Kind": "",
        ])

    static let task = JobspecBlock(
        name: "task", label: "Name",
        fields: [
            .init("driver", "Driver", .string), .init("user", "User", .string),
            .init("lifecycle", "Lifecycle", .block(lifecycle)), .init("config", "Config", .anyMap),
            .init("constraint", "Constraints", .constraints), .init("env", "Env", .stringMap),
            .init("service", "Services", .blockList(service)), .init("resources", "Resources", .block(resources)),
            .init("restart", "RestartPolicy", .block(restart)), .init("meta", "Meta", .stringMap),
            .init("kill_timeout", "KillTimeout", .duration), .init("logs", "LogConfig", .block(logs)),
            .init("leader", "Leader", .bool), .init("shutdown_delay", "ShutdownDelay", .duration),
            .init("kill_signal", "KillSignal", .string), .init("kind", "Kind", .string),
        ],
        unsupported: [
            "affinity", "artifact", "vault", "consul", "template", "dispatch_payload", "volume_mount", "csi_plugin",
            "scaling", "secret", "identity", "action", "schedule",
        ],
        shape: [
            "Name": "", "Driver": "", "User": "", "Lifecycle": nil, "Config": nil, "Constraints": nil, "Affinities": nil,
            "Env": nil, "Services": nil, "Resources": nil, "RestartPolicy": nil, "Meta": nil, "KillTimeout": nil,
            "LogConfig": nil, "Artifacts": nil, "Vault": nil, "Consul": nil, "Templates": nil, "DispatchPayload": nil,
            "VolumeMounts": nil, "Leader": false, "ShutdownDelay": 0, "KillSignal": "", "Kind": "",
            "ScalingPolicies": nil, "Secrets": nil, "Identity": nil, "Identities": nil, "Actions": nil, "Schedule": nil,
        ])

    static let group = JobspecBlock(
        name: "group", label: "Name",
        fields: [
            .init("count", "Count", .int), .init("constraint", "Constraints", .constraints),
            .init("task", "Tasks", .blockList(task)), .init("restart", "RestartPolicy", .block(restart)),
            .init("ephemeral_disk", "EphemeralDisk", .block(ephemeralDisk)), .init("update", "Update", .block(update)),
            .init("network", "Networks", .blockList(network)), .init("meta", "Meta", .stringMap),
            .init("service", "Services", .blockList(service)), .init("shutdown_delay", "ShutdownDelay", .duration),
        ],
        unsupported: [
            "affinity", "spread", "volume", "disconnect", "reschedule", "migrate", "scaling", "consul", "vault",
            "secret", "max_run_duration", "stop_after_client_disconnect", "max_client_disconnect",
            "prevent_reschedule_on_lost",
        ],
        shape: [
            "Name": nil, "Count": nil, "Constraints": nil, "Affinities": nil, "Tasks": nil, "Spreads": nil,
            "Volumes": nil, "RestartPolicy": nil, "Disconnect": nil, "ReschedulePolicy": nil, "EphemeralDisk": nil,
            "Update": nil, "Migrate": nil, "Networks": nil, "Meta": nil, "Services": nil, "ShutdownDelay": nil,
            "MaxRunDuration": nil, "StopAfterClientDisconnect": nil, "MaxClientDisconnect": nil, "Scaling": nil,
            "Consul": nil, "PreventRescheduleOnLost": nil,
        ])

    static let job = JobspecBlock(
        name: "job", label: nil,
        fields: [
            .init("region", "Region", .string), .init("namespace", "Namespace", .string), .init("id", "ID", .string),
            .init("name", "Name", .string), .init("type", "Type", .string), .init("priority", "Priority", .int),
            .init("all_at_once", "AllAtOnce", .bool), .init("datacenters", "Datacenters", .stringList),
            .init("node_pool", "NodePool", .string), .init("constraint", "Constraints", .constraints),
            .init("group", "TaskGroups", .blockList(group)), .init("update", "Update", .block(update)),
            .init("meta", "Meta", .stringMap),
        ],
        unsupported: [
            "affinity", "multiregion", "spread", "periodic", "parameterized", "reschedule", "migrate", "ui", "vault",
            "secret", "task", "consul_namespace", "vault_namespace",
        ],
        shape: [
            "Region": nil, "Namespace": nil, "ID": nil, "Name": nil, "Type": nil, "Priority": nil, "AllAtOnce": nil,
            "Datacenters": nil, "NodePool": nil, "Constraints": nil, "Affinities": nil, "TaskGroups": nil,
            "Update": nil, "Multiregion": nil, "Spreads": nil, "Periodic": nil, "ParameterizedJob": nil,
            "Reschedule": nil, "Migrate": nil, "Meta": nil, "UI": nil, "Stop": nil, "ParentID": nil,
            "Dispatched": false, "DispatchIdempotencyToken": nil, "Payload": nil, "ConsulNamespace": nil,
            "VaultNamespace": nil, "NomadTokenID": nil, "Status": nil, "StatusDescription": nil, "Stable": nil,
            "Version": nil, "SubmitTime": nil, "CreateIndex": nil, "ModifyIndex": nil, "JobModifyIndex": nil,
            "VersionTag": nil,
        ])
}
