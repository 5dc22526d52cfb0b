import BosunCore

/// Renders a plan response (`POST /v1/job/:id/plan` with `Diff: true`) the way `nomad job plan`
/// prints it: `+`, `-`, `+/-` markers, `Job:`, `Task Group: ... (1 create/destroy update)`,
/// `Task:` and the changed fields, then the scheduler's placement summary.
public enum NomadPlanText {
    public static func render(_ plan: JSONValue) -> String {
        var lines: [String] = []
        if let diff = plan["Diff"], !diff.isNull {
            let type = diff["Type"]?.stringValue ?? "None"
            lines.append("\(marker(type))Job: \"\(diff["ID"]?.stringValue ?? "")\"")
            appendFields(diff, indent: "", into: &lines)
            for group in diff["TaskGroups"]?.arrayValue ?? [] {
                let groupType = group["Type"]?.stringValue ?? "None"
                var line = "\(marker(groupType))Task Group: \"\(group["Name"]?.stringValue ?? "")\""
                let updates = updateSummary(group["Updates"])
                if !updates.isEmpty { line += " (\(updates))" }
                lines.append(line)
                appendFields(group, indent: "  ", into: &lines)
                for task in group["Tasks"]?.arrayValue ?? [] {
                    let taskType = task["Type"]?.stringValue ?? "None"
                    var taskLine = "  \(marker(taskType))Task: \"\(task["Name"]?.stringValue ?? "")\""
                    let notes = (task["Annotations"]?.arrayValue ?? []).compactMap(\.stringValue)
                    if !notes.isEmpty { taskLine += " (\(notes.joined(separator: ", ")))" }
                    lines.append(taskLine)
                    appendFields(task, indent: "    ", into: &lines)
                }
            }
        }
        lines.append("")
        lines.append("Scheduler dry-run:")
        let failed = plan["FailedTGAllocs"]?.objectValue ?? JSONObject()
        if failed.isEmpty {
            lines.append("- All tasks successfully allocated.")
        } else {
            for group in failed { lines.append("- WARNING: Failed to place all allocations for task group \"\(group.key)\".") }
        }
        let index = plan["JobModifyIndex"]?.intValue ?? 0
        lines.append("")
        lines.append("Job Modify Index: \(index)")
        return lines.joined(separator: "\n")
    }

    /// `+ `, `- `, `+/- ` or nothing, as Nomad marks added, deleted, edited and unchanged parts.
    static func marker(_ type: String) -> String {
        switch type {
        case "Added": "+ "
        case "Deleted": "- "
        case "Edited": "+/- "
        default: ""
        }
    }

    /// `1 create, 2 in-place update`: Nomad's order and words for `Updates`.
    static func updateSummary(_ updates: JSONValue?) -> String {
        guard let updates = updates?.objectValue else { return "" }
        let order = ["create", "create/destroy update", "destroy", "in-place update", "ignore", "migrate", "stop", "canary", "reconnect", "disconnect"]
        var parts: [String] = []
        for name in order { if let n = updates[name]?.intValue, n > 0 { parts.append("\(n) \(name)") } }
        for entry in updates where !order.contains(entry.key) {
            if let n = entry.value.intValue, n > 0 { parts.append("\(n) \(entry.key)") }
        }
        return parts.joined(separator: ", ")
    }

    /// Changed fields and objects under a diff node; unchanged ones are left out, as without `-verbose`.
    static func appendFields(_ node: JSONValue, indent: String, into lines: inout [String]) {
        for field in node["Fields"]?.arrayValue ?? [] {
            let type = field["Type"]?.stringValue ?? "None"
            guard type != "None" else { continue }
            let name = field["Name"]?.stringValue ?? ""
            let old = field["Old"]?.stringValue ?? ""
            let new = field["New"]?.stringValue ?? ""
            var line: String
            switch type {
            case "Added": line = "\(indent)+ \(name): \"\(new)\""
            case "Deleted": line = "\(indent)- \(name): \"\(old)\""
            default: line = "\(indent)+/- \(name): \"\(old)\" => \"\(new)\""
            }
            let notes = (field["Annotations"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !notes.isEmpty { line += " (\(notes.joined(separator: ", ")))" }
            lines.append(line)
        }
        for object in node["Objects"]?.arrayValue ?? [] {
            let type = object["Type"]?.stringValue ?? "None"
            guard type != "None" else { continue }
            lines.append("\(indent)\(marker(type))\(object["Name"]?.stringValue ?? "") {")
            appendFields(object, indent: indent + "  ", into: &lines)
            lines.append("\(indent)  }")
        }
    }
}
