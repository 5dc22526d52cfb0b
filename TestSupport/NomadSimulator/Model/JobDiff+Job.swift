import BosunCore

extension JobDiff {
    /// A task group's part of the diff, with the scheduler's `Updates` counts.
    struct Group {
        var type: Kind
        var name: String
        var fields: [Field] = []
        var objects: [Object] = []
        var tasks: [Task] = []
        var updates: [String: Int] = [:]

        var json: JSONValue {
            var updatesJSON = JSONObject()
            for key in updates.keys.sorted() { updatesJSON[key] = .int(updates[key] ?? 0) }
            return [
                "Type": .string(type.rawValue), "Name": .string(name), "Fields": JobDiff.list(fields.map(\.json)),
                "Objects": JobDiff.list(objects.map(\.json)), "Tasks": JobDiff.list(tasks.map(\.json)),
                "Updates": updates.isEmpty ? .null : .object(updatesJSON),
            ]
        }
    }

    struct Task {
        var type: Kind
        var name: String
        var fields: [Field] = []
        var objects: [Object] = []
        var annotations: [String] = []

        var json: JSONValue {
            [
                "Type": .string(type.rawValue), "Name": .string(name), "Fields": JobDiff.list(fields.map(\.json)),
                "Objects": JobDiff.list(objects.map(\.json)),
                "Annotations": annotations.isEmpty ? .null : .array(annotations.map { .string($0) }),
            ]
        }
    }

    /// The diff of a whole job: `old` nil for a new job.
    struct Job {
        var type: Kind
        var id: String
        var fields: [Field] = []
        var objects: [Object] = []
        var groups: [Group] = []

        var json: JSONValue {
            [
                "Type": .string(type.rawValue), "ID": .string(id), "Fields": JobDiff.list(fields.map(\.json)),
                "Objects": JobDiff.list(objects.map(\.json)), "TaskGroups": JobDiff.list(groups.map(\.json)),
            ]
        }
    }

    static let jobFilter: Set<String> = [
        "ID", "Status", "StatusDescription", "Version", "Stable", "CreateIndex", "ModifyIndex", "JobModifyIndex",
        "Update", "SubmitTime", "NomadTokenID", "VaultToken",
    ]

    /// `Job.Diff(other, contextual: true)` as `Job.Plan` calls it.
    static func jobs(_ old: JSONObject?, _ new: JSONObject?, contextual: Bool = true) -> Job {
        var diff = Job(type: .none, id: new?.string("ID") ?? old?.string("ID") ?? "")
        if old == nil && new == nil { return diff }
        if old == nil { diff.type = .added }
        if new == nil { diff.type = .deleted }
        let oldFlat = old.map { flattenPrimitive($0, filter: jobFilter) } ?? [:]
        let newFlat = new.map { flattenPrimitive($0, filter: jobFilter) } ?? [:]
        diff.fields = fieldDiffs(oldFlat, newFlat, contextual: false)
        if let d = stringSetDiff(old?.array("Datacenters") ?? [], new?.array("Datacenters") ?? [], name: "Datacenters", contextual: contextual), d.type != .none {
            diff.objects.append(d)
        }
        diff.objects += primitiveObjectSetDiff(
            old?.objects("Constraints") ?? [], new?.objects("Constraints") ?? [], name: "Constraint", contextual: contextual)
        diff.groups = groups(old?.objects("TaskGroups") ?? [], new?.objects("TaskGroups") ?? [], contextual: contextual)
        if diff.type == .none {
            let changed =
                diff.fields.contains { $0.type != .none } || diff.objects.contains { $0.type != .none }
                || diff.groups.contains { $0.type != .none }
            if changed { diff.type = .edited }
        }
        return diff
    }

    static func groups(_ old: [JSONObject], _ new: [JSONObject], contextual: Bool) -> [Group] {
        let oldByName = Dictionary(old.map { ($0.string("Name") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let newByName = Dictionary(new.map { ($0.string("Name") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        var result: [Group] = []
        for name in Set(oldByName.keys).union(newByName.keys) {
            result.append(group(oldByName[name], newByName[name], name: name, contextual: contextual))
        }
        return result.sorted { $0.name < $1.name }
    }

    static func group(_ old: JSONObject?, _ new: JSONObject?, name: String, contextual: Bool) -> Group {
        var diff = Group(type: .none, name: name)
        if old == nil { diff.type = .added } else if new == nil { diff.type = .deleted } else if old != new { diff.type = .edited }
        var oldFlat = flattenPrimitive(old, filter: ["Name"])
        var newFlat = flattenPrimitive(new, filter: ["Name"])
        if old != nil && new != nil {
            // ShutdownDelay is a pointer: Nomad compares it by hand.
            oldFlat["ShutdownDelay"] = old?["ShutdownDelay"]?.intValue.map(String.init) ?? ""
            newFlat["ShutdownDelay"] = new?["ShutdownDelay"]?.intValue.map(String.init) ?? ""
        }
        diff.fields = fieldDiffs(oldFlat, newFlat, contextual: false)
        var objects = primitiveObjectSetDiff(
            old?.objects("Constraints") ?? [], new?.objects("Constraints") ?? [], name: "Constraint", contextual: contextual)
        for (key, label, filter) in [
            ("RestartPolicy", "RestartPolicy", Set<String>()), ("Migrate", "Migrate", []),
            ("ReschedulePolicy", "ReschedulePolicy", []), ("EphemeralDisk", "EphemeralDisk", []),
            ("Update", "Update", ["Stagger"]),
        ] {
            if let d = primitiveObjectDiff(old?.object(key), new?.object(key), filter: filter, name: label, contextual: contextual) {
                objects.append(d)
            }
        }
        objects += networks(old?.objects("Networks") ?? [], new?.objects("Networks") ?? [], contextual: contextual)
        objects += services(old?.objects("Services") ?? [], new?.objects("Services") ?? [], contextual: contextual)
        diff.objects = objects
        diff.tasks = tasks(old?.objects("Tasks") ?? [], new?.objects("Tasks") ?? [], contextual: contextual)
        return diff
    }

    static func tasks(_ old: [JSONObject], _ new: [JSONObject], contextual: Bool) -> [Task] {
        let oldByName = Dictionary(old.map { ($0.string("Name") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let newByName = Dictionary(new.map { ($0.string("Name") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        var result: [Task] = []
        for name in Set(oldByName.keys).union(newByName.keys) {
            result.append(task(oldByName[name], newByName[name], name: name, contextual: contextual))
        }
        return result.sorted { $0.name < $1.name }
    }

    static func task(_ old: JSONObject?, _ new: JSONObject?, name: String, contextual: Bool) -> Task {
        var diff = Task(type: .none, name: name)
        if old == nil { diff.type = .added } else if new == nil { diff.type = .deleted } else if old != new { diff.type = .edited }
        diff.fields = fieldDiffs(
            flattenPrimitive(old, filter: ["Name", "Config"]), flattenPrimitive(new, filter: ["Name", "Config"]),
            contextual: false)
        var objects = primitiveObjectSetDiff(
            old?.objects("Constraints") ?? [], new?.objects("Constraints") ?? [], name: "Constraint", contextual: contextual)
        if let d = config(old?["Config"], new?["Config"], contextual: contextual) { objects.append(d) }
        if let d = structDiff(old?.object("Resources"), new?.object("Resources"), name: "Resources", contextual: contextual) {
            objects.append(d)
        }
        if let d = primitiveObjectDiff(old?.object("LogConfig"), new?.object("LogConfig"), name: "LogConfig", contextual: contextual) {
            objects.append(d)
        }
        objects += services(old?.objects("Services") ?? [], new?.objects("Services") ?? [], contextual: contextual)
        if let d = structDiff(
            old?.object("Identity"), new?.object("Identity"), name: "Identity", contextual: contextual,
            nested: { o, n in
                stringSetDiff(o.array("Audience"), n.array("Audience"), name: "Audience", contextual: contextual).map { [$0] } ?? []
            })
        {
            objects.append(d)
        }
        diff.objects = objects
        return diff
    }

    static func config(_ old: JSONValue?, _ new: JSONValue?, contextual: Bool) -> Object? {
        let o = old ?? .null
        let n = new ?? .null
        if o == n { return nil }
        let type: Kind = o.isEmptyCollection ? .added : (n.isEmptyCollection ? .deleted : .edited)
        var oldFlat: [String: String] = [:]
        var newFlat: [String: String] = [:]
        if !o.isNull { flattenAll(o, prefix: "", into: &oldFlat) }
        if !n.isNull { flattenAll(n, prefix: "", into: &newFlat) }
        return Object(type: type, name: "Config", fields: fieldDiffs(oldFlat, newFlat, contextual: contextual))
    }

    static func networks(_ old: [JSONObject], _ new: [JSONObject], contextual: Bool) -> [Object] {
        let key: (JSONObject) -> String = { JSONValue.object($0).jsonString() }
        let oldSet = Dictionary(old.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let newSet = Dictionary(new.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        var result: [Object] = []
        let network: (JSONObject?, JSONObject?) -> Object? = { o, n in
            structDiff(
                o, n, name: "Network", filter: ["Device", "CIDR", "IP", "MBits"], contextual: contextual,
                nested: { o, n in
                    ports(o.objects("ReservedPorts"), n.objects("ReservedPorts"), name: "Static Port", contextual: contextual)
                        + ports(o.objects("DynamicPorts"), n.objects("DynamicPorts"), name: "Dynamic Port", contextual: contextual)
                })
        }
        for (k, value) in oldSet where newSet[k] == nil { if let d = network(value, nil) { result.append(d) } }
        for (k, value) in newSet where oldSet[k] == nil { if let d = network(nil, value) { result.append(d) } }
        return sortObjects(result)
    }

    static func ports(_ old: [JSONObject], _ new: [JSONObject], name: String, contextual: Bool) -> [Object] {
        let oldByLabel = Dictionary(old.map { ($0.string("Label") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let newByLabel = Dictionary(new.map { ($0.string("Label") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        var result: [Object] = []
        for label in Set(oldByLabel.keys).union(newByLabel.keys) {
            if let d = primitiveObjectDiff(oldByLabel[label], newByLabel[label], name: name, contextual: contextual) {
                result.append(d)
            }
        }
        return sortObjects(result)
    }

    static func services(_ old: [JSONObject], _ new: [JSONObject], contextual: Bool) -> [Object] {
        let service: (JSONObject?, JSONObject?) -> Object? = { o, n in
            structDiff(
                o, n, name: "Service", contextual: contextual,
                nested: { o, n in
                    var objects: [Object] = []
                    if let d = stringSetDiff(o.array("CanaryTags"), n.array("CanaryTags"), name: "CanaryTags", contextual: contextual) {
                        objects.append(d)
                    }
                    if let d = stringSetDiff(o.array("Tags"), n.array("Tags"), name: "Tags", contextual: contextual) {
                        objects.append(d)
                    }
                    objects += checks(o.objects("Checks"), n.objects("Checks"), contextual: contextual)
                    return objects
                })
        }
        if old.count == 1 && new.count == 1 { return service(old[0], new[0]).map { [$0] } ?? [] }
        var unmatched = new
        var result: [Object] = []
        for o in old {
            if let i = unmatched.firstIndex(where: { $0.string("Name") == o.string("Name") && $0.string("PortLabel") == o.string("PortLabel") })
                ?? unmatched.firstIndex(where: { $0.string("Name") == o.string("Name") })
            {
                if let d = service(o, unmatched[i]) { result.append(d) }
                unmatched.remove(at: i)
            } else if let d = service(o, nil) {
                result.append(d)
            }
        }
        for n in unmatched { if let d = service(nil, n) { result.append(d) } }
        return sortObjects(result)
    }

    static func checks(_ old: [JSONObject], _ new: [JSONObject], contextual: Bool) -> [Object] {
        let oldByName = Dictionary(old.map { ($0.string("Name") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let newByName = Dictionary(new.map { ($0.string("Name") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        var result: [Object] = []
        for name in Set(oldByName.keys).union(newByName.keys) {
            if let d = structDiff(
                oldByName[name], newByName[name], name: "Check", contextual: contextual,
                nested: { o, n in
                    primitiveObjectDiff(o.object("CheckRestart"), n.object("CheckRestart"), name: "CheckRestart", contextual: contextual)
                        .map { [$0] } ?? []
                })
            {
                result.append(d)
            }
        }
        return sortObjects(result)
    }

    // MARK: The scheduler's annotations (scheduler/annotate.go)

    static func annotate(_ diff: inout Job, desired: [String: DesiredUpdates]) {
        for i in diff.groups.indices {
            if let updates = desired[diff.groups[i].name] { diff.groups[i].updates = updates.diffUpdates }
            for j in diff.groups[i].fields.indices where diff.groups[i].fields[j].name == "Count" {
                let old = Int(diff.groups[i].fields[j].old) ?? 0
                let new = Int(diff.groups[i].fields[j].new) ?? 0
                if old < new { diff.groups[i].fields[j].annotations.append("forces create") }
                if new < old { diff.groups[i].fields[j].annotations.append("forces destroy") }
            }
            let parent = diff.groups[i].type
            for j in diff.groups[i].tasks.indices {
                annotateTask(&diff.groups[i].tasks[j], parent: parent)
            }
        }
    }

    private static func annotateTask(_ task: inout Task, parent: Kind) {
        if task.type == .none { return }
        if parent == .added || parent == .deleted {
            if task.type == .added {
                task.annotations.append("forces create")
                return
            }
            if task.type == .deleted {
                task.annotations.append("forces destroy")
                return
            }
        }
        task.annotations.append(isDestructive(task) ? "forces create/destroy update" : "forces in-place update")
    }

    /// Whether a task change needs new allocations (anything but kill timeout, services,
    /// constraints and log settings other than `Disabled`).
    static func isDestructive(_ task: Task) -> Bool {
        if task.fields.contains(where: { $0.name != "KillTimeout" }) { return true }
        for object in task.objects {
            switch object.name {
            case "Service", "Constraint", "Affinity", "Spread": continue
            case "LogConfig":
                if object.fields.contains(where: { $0.name == "Disabled" && $0.type != .none }) { return true }
            default: return true
            }
        }
        return false
    }
}

/// The scheduler's plan for one task group (`structs.DesiredUpdates`).
struct DesiredUpdates: Sendable {
    var ignore = 0
    var place = 0
    var migrate = 0
    var stop = 0
    var inPlaceUpdate = 0
    var destructiveUpdate = 0
    var canary = 0

    var json: JSONValue {
        [
            "Ignore": .int(ignore), "Place": .int(place), "Migrate": .int(migrate), "Stop": .int(stop),
            "InPlaceUpdate": .int(inPlaceUpdate), "DestructiveUpdate": .int(destructiveUpdate), "Canary": .int(canary),
            "Preemptions": 0, "Disconnect": 0, "Reconnect": 0, "RescheduleNow": 0, "RescheduleLater": 0,
        ]
    }

    /// The `Updates` map of a task group diff: only non-zero counts, with the plan's words.
    var diffUpdates: [String: Int] {
        var out: [String: Int] = [:]
        if ignore != 0 { out["ignore"] = ignore }
        if place != 0 { out["create"] = place }
        if migrate != 0 { out["migrate"] = migrate }
        if stop != 0 { out["destroy"] = stop }
        if canary != 0 { out["canary"] = canary }
        if inPlaceUpdate != 0 { out["in-place update"] = inPlaceUpdate }
        if destructiveUpdate != 0 { out["create/destroy update"] = destructiveUpdate }
        return out
    }
}
