import BosunCore
import Foundation

/// Server-side printing: the `meta.k8s.io/v1` Table that `kubectl get` asks for, with the
/// columns the real server's printers (and a CRD's additionalPrinterColumns) define.
enum TableConvertor {
    struct Column {
        var name: String
        var type: String
        var format: String = ""
        var priority: Int = 0
        var description: String = ""
    }

    /// Whether the Accept header asks for a Table.
    static func wantsTable(accept: String) -> Bool {
        // Most requests ask for plain JSON: answer that without parsing the header.
        guard accept.utf8.count > 20, accept.contains("as=Table") else { return false }
        return accept.split(separator: ",").contains { part in
            let params = part.split(separator: ";").map { $0.trimmingCharacters(in: " ") }
            return params.contains("as=Table") && params.contains("g=meta.k8s.io")
        }
    }

    static let contentType = "application/json;as=Table;v=v1;g=meta.k8s.io"

    /// A Table of `objects`; `includeObject` is the query parameter (`None`, `Metadata`, `Object`).
    static func table(_ objects: [StoredObject], type: ResourceType, resourceVersion: Int, continueToken: String? = nil, includeObject: String?, now: Date = Date()) -> JSONValue {
        let columns = self.columns(for: type)
        var metadata: JSONObject = ["resourceVersion": .string(String(resourceVersion))]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        let rows: [JSONValue] = objects.map { stored in
            var row: JSONObject = ["cells": .array(cells(stored.object, type: type, now: now))]
            switch includeObject {
            case "None": break
            case "Object": row["object"] = .object(stored.object)
            default:
                row["object"] = [
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": .object(stored.metadata),
                ]
            }
            return .object(row)
        }
        return [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": .object(metadata),
            "columnDefinitions": .array(columns.map { column in
                [
                    "name": .string(column.name), "type": .string(column.type), "format": .string(column.format),
                    "description": .string(column.description), "priority": .int(column.priority),
                ]
            }),
            "rows": .array(rows),
        ]
    }

    static let name = Column(name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.")
    static let age = Column(name: "Age", type: "string", description: "CreationTimestamp is a timestamp representing the server time when this object was created.")
    static let createdAt = Column(name: "Created At", type: "date", description: "CreationTimestamp is a timestamp representing the server time when this object was created.")
    static func string(_ name: String, priority: Int = 0) -> Column { Column(name: name, type: "string", priority: priority) }
    static func integer(_ name: String, priority: Int = 0) -> Column { Column(name: name, type: "integer", priority: priority) }
    static let workloadExtras = [string("Containers", priority: 1), string("Images", priority: 1), string("Selector", priority: 1)]

    static func columns(for type: ResourceType) -> [Column] {
        if type.isCustom {
            let custom = (type.printerColumns ?? []).map {
                Column(name: $0.name, type: $0.type == "date" ? "string" : $0.type, format: $0.format, priority: $0.priority, description: $0.description)
            }
            return [name] + (custom.isEmpty ? [age] : custom)
        }
        switch (type.group, type.kind) {
        case ("", "Namespace"): return [name, string("Status"), age]
        case ("", "ConfigMap"): return [name, integer("Data"), age]
        case ("", "Secret"): return [name, string("Type"), integer("Data"), age]
        case ("", "ServiceAccount"): return [name, integer("Secrets"), age]
        case ("", "Event"): return [string("Last Seen"), string("Type"), string("Reason"), string("Object"), string("Message")]
        case ("", "Service"):
            return [name, string("Type"), string("Cluster-IP"), string("External-IP"), string("Port(s)"), age, string("Selector", priority: 1)]
        case ("", "Pod"):
            return [name, string("Ready"), string("Status"), string("Restarts"), age, string("IP", priority: 1), string("Node", priority: 1)]
        case ("", "PersistentVolumeClaim"):
            return [name, string("Status"), string("Volume"), string("Capacity"), string("Access Modes"), string("StorageClass"),
                    string("VolumeAttributesClass"), age, string("VolumeMode", priority: 1)]
        case ("apps", "Deployment"): return [name, string("Ready"), integer("Up-to-date"), integer("Available"), age] + workloadExtras
        case ("apps", "StatefulSet"): return [name, string("Ready"), age] + workloadExtras.dropLast()
        case ("apps", "DaemonSet"):
            return [name, integer("Desired"), integer("Current"), integer("Ready"), integer("Up-to-date"), integer("Available"),
                    string("Node Selector"), age] + workloadExtras
        case ("apps", "ReplicaSet"): return [name, integer("Desired"), integer("Current"), integer("Ready"), age] + workloadExtras
        case ("batch", "Job"): return [name, string("Status"), string("Completions"), string("Duration"), age] + workloadExtras
        case ("batch", "CronJob"):
            return [name, string("Schedule"), string("Timezone"), string("Suspend"), integer("Active"), string("Last Schedule"), age]
                + workloadExtras
        case ("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "ClusterRole"): return [name, createdAt]
        case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
            return [name, string("Role"), age, string("Users", priority: 1), string("Groups", priority: 1), string("ServiceAccounts", priority: 1)]
        case ("networking.k8s.io", "Ingress"): return [name, string("Class"), string("Hosts"), string("Address"), string("Ports"), age]
        default: return [name, createdAt]
        }
    }

    static func cells(_ object: JSONObject, type: ResourceType, now: Date) -> [JSONValue] {
        let value = JSONValue.object(object)
        let metadata = object["metadata"]?.objectValue ?? JSONObject()
        let nameCell = JSONValue.string(metadata["name"]?.stringValue ?? "")
        let ageCell = JSONValue.string(age(metadata["creationTimestamp"]?.stringValue, now: now))
        let createdCell = metadata["creationTimestamp"] ?? .null
        let spec = object["spec"]?.objectValue ?? JSONObject()
        let status = object["status"]?.objectValue ?? JSONObject()
        func int(_ v: JSONValue?) -> Int { v?.intValue ?? 0 }
        if type.isCustom {
            let custom = (type.printerColumns ?? []).map { column -> JSONValue in
                let found = JSONPathLite.evaluate(column.jsonPath, in: value)
                if column.type == "date", let text = found?.stringValue { return .string(self.age(text, now: now)) }
                return found ?? .null
            }
            return [nameCell] + (custom.isEmpty ? [ageCell] : custom)
        }
        switch (type.group, type.kind) {
        case ("", "Namespace"): return [nameCell, status["phase"] ?? "", ageCell]
        case ("", "ConfigMap"): return [nameCell, .int((object["data"]?.objectValue?.count ?? 0) + (object["binaryData"]?.objectValue?.count ?? 0)), ageCell]
        case ("", "Secret"): return [nameCell, object["type"] ?? "", .int(object["data"]?.objectValue?.count ?? 0), ageCell]
        case ("", "ServiceAccount"): return [nameCell, .int(object["secrets"]?.arrayValue?.count ?? 0), ageCell]
        case ("", "Event"):
            let seen = (object["lastTimestamp"]?.stringValue ?? object["eventTime"]?.stringValue).map { age($0, now: now) } ?? ageCell.stringValue ?? ""
            let involved = object["involvedObject"]?.objectValue ?? JSONObject()
            let target = "\((involved["kind"]?.stringValue ?? "").lowercased())/\(involved["name"]?.stringValue ?? "")"
            return [.string(seen), object["type"] ?? "", object["reason"] ?? "", .string(target), object["message"] ?? ""]
        case ("", "Service"): return [nameCell] + serviceCells(spec, status) + [ageCell, .string(selectorText(spec["selector"]?.objectValue))]
        case ("", "Pod"):
            let containers = spec["containers"]?.arrayValue ?? []
            let statuses = status["containerStatuses"]?.arrayValue ?? []
            let ready = statuses.filter { $0["ready"]?.boolValue == true }.count
            let restarts = statuses.reduce(0) { $0 + int($1["restartCount"]) }
            let waiting = statuses.compactMap { $0["state"]?["waiting"]?["reason"]?.stringValue }.first
            return [nameCell, .string("\(ready)/\(containers.count)"), .string(waiting ?? status["phase"]?.stringValue ?? "Pending"),
                    .string(String(restarts)), ageCell, status["podIP"] ?? "<none>", spec["nodeName"] ?? "<none>"]
        case ("", "PersistentVolumeClaim"):
            let modes = (status["accessModes"]?.arrayValue ?? []).compactMap(\.stringValue).map(accessModeShort).joined(separator: ",")
            return [nameCell, status["phase"] ?? "", spec["volumeName"] ?? "", status["capacity"]?["storage"] ?? "", .string(modes),
                    spec["storageClassName"] ?? "<unset>", spec["volumeAttributesClassName"] ?? "<unset>", ageCell, spec["volumeMode"] ?? ""]
        case ("apps", "Deployment"):
            return [nameCell, .string("\(int(status["readyReplicas"]))/\(int(spec["replicas"]))"), .int(int(status["updatedReplicas"])),
                    .int(int(status["availableReplicas"])), ageCell] + workloadCells(spec)
        case ("apps", "StatefulSet"):
            return [nameCell, .string("\(int(status["readyReplicas"]))/\(int(spec["replicas"]))"), ageCell] + workloadCells(spec).dropLast()
        case ("apps", "DaemonSet"):
            let nodeSelector = selectorText(spec["template"]?["spec"]?["nodeSelector"]?.objectValue)
            return [nameCell, .int(int(status["desiredNumberScheduled"])), .int(int(status["currentNumberScheduled"])),
                    .int(int(status["numberReady"])), .int(int(status["updatedNumberScheduled"])), .int(int(status["numberAvailable"])),
                    .string(nodeSelector), ageCell] + workloadCells(spec)
        case ("apps", "ReplicaSet"):
            return [nameCell, .int(int(spec["replicas"])), .int(int(status["replicas"])), .int(int(status["readyReplicas"])), ageCell]
                + workloadCells(spec)
        case ("batch", "Job"):
            return [nameCell, .string(jobStatus(status)), .string("\(int(status["succeeded"]))/\(int(spec["completions"]))"),
                    .string(jobDuration(status, now: now)), ageCell] + workloadCells(spec)
        case ("batch", "CronJob"):
            return [nameCell, spec["schedule"] ?? "", spec["timeZone"] ?? "<none>", .string(spec["suspend"]?.boolValue == true ? "True" : "False"),
                    .int(status["active"]?.arrayValue?.count ?? 0), .string(status["lastScheduleTime"]?.stringValue.map { age($0, now: now) } ?? "<none>"),
                    ageCell] + workloadCells(spec["jobTemplate"]?["spec"]?.objectValue ?? JSONObject())
        case ("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "ClusterRole"): return [nameCell, createdCell]
        case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
            let subjects = object["subjects"]?.arrayValue ?? []
            func names(_ kind: String) -> String {
                subjects.filter { $0["kind"]?.stringValue == kind }.compactMap { subject in
                    guard let name = subject["name"]?.stringValue else { return nil }
                    if kind == "ServiceAccount" { return "\(subject["namespace"]?.stringValue ?? ""):\(name)" }
                    return name
                }.joined(separator: ", ")
            }
            let role = "\(object["roleRef"]?["kind"]?.stringValue ?? "")/\(object["roleRef"]?["name"]?.stringValue ?? "")"
            return [nameCell, .string(role), ageCell, .string(names("User")), .string(names("Group")), .string(names("ServiceAccount"))]
        case ("networking.k8s.io", "Ingress"):
            let hosts = (spec["rules"]?.arrayValue ?? []).compactMap { $0["host"]?.stringValue }
            let addresses = (status["loadBalancer"]?["ingress"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
            let ports = spec["tls"]?.arrayValue?.isEmpty == false ? "80, 443" : "80"
            return [nameCell, spec["ingressClassName"] ?? "<none>", .string(hosts.isEmpty ? "*" : hosts.joined(separator: ",")),
                    .string(addresses.joined(separator: ",")), .string(ports), ageCell]
        default:
            return [nameCell, createdCell]
        }
    }

    static func serviceCells(_ spec: JSONObject, _ status: JSONObject) -> [JSONValue] {
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        var external = "<none>"
        if type == "LoadBalancer" {
            let ingress = (status["loadBalancer"]?["ingress"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
            external = ingress.isEmpty ? "<pending>" : ingress.joined(separator: ",")
        } else if type == "ExternalName" {
            external = spec["externalName"]?.stringValue ?? "<none>"
        }
        let ports = (spec["ports"]?.arrayValue ?? []).map { port -> String in
            let number = port["port"]?.intValue ?? 0
            let proto = port["protocol"]?.stringValue ?? "TCP"
            if let node = port["nodePort"]?.intValue { return "\(number):\(node)/\(proto)" }
            return "\(number)/\(proto)"
        }
        return [.string(type), .string(spec["clusterIP"]?.stringValue ?? "<none>"), .string(external),
                .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))]
    }

    static func workloadCells(_ spec: JSONObject) -> [JSONValue] {
        let containers = spec["template"]?["spec"]?["containers"]?.arrayValue ?? []
        let selector = spec["selector"]?.objectValue.map { LabelSelector(object: $0).description } ?? "<none>"
        return [.string(containers.compactMap { $0["name"]?.stringValue }.joined(separator: ",")),
                .string(containers.compactMap { $0["image"]?.stringValue }.joined(separator: ",")), .string(selector)]
    }

    static func selectorText(_ map: JSONObject?) -> String {
        guard let map, !map.isEmpty else { return "<none>" }
        return map.sortedByKey().map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",")
    }

    static func accessModeShort(_ mode: String) -> String {
        switch mode {
        case "ReadWriteOnce": "RWO"
        case "ReadOnlyMany": "ROX"
        case "ReadWriteMany": "RWX"
        case "ReadWriteOncePod": "RWOP"
        default: mode
        }
    }

    /// The printer's order: Complete, Failed, Suspended, FailureTarget, SuccessCriteriaMet, else Running.
    static func jobStatus(_ status: JSONObject) -> String {
        let trueConditions = Set((status["conditions"]?.arrayValue ?? []).filter { $0["status"]?.stringValue == "True" }
            .compactMap { $0["type"]?.stringValue })
        for type in ["Complete", "Failed", "Suspended", "FailureTarget", "SuccessCriteriaMet"] where trueConditions.contains(type) {
            return type
        }
        return "Running"
    }

    static func jobDuration(_ status: JSONObject, now: Date) -> String {
        guard let start = status["startTime"]?.stringValue.flatMap(Timestamp.parse) else { return "" }
        let end = status["completionTime"]?.stringValue.flatMap(Timestamp.parse) ?? now
        return humanDuration(end.timeIntervalSince(start))
    }

    static func age(_ timestamp: String?, now: Date) -> String {
        guard let timestamp, let date = Timestamp.parse(timestamp) else { return "<unknown>" }
        return humanDuration(now.timeIntervalSince(date))
    }

    /// Kubernetes' `duration.HumanDuration`: `5s`, `3m20s`, `5h10m`, `3d4h`, `2y30d`.
    static func humanDuration(_ interval: TimeInterval) -> String {
        let seconds = Int(interval.rounded(.down))
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        let hours = seconds / 3600
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 { return hours % 24 == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(hours % 24)h" }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let days = (hours / 24) % 365
            return days == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(days)d"
        }
        return "\(hours / 24 / 365)y"
    }
}

/// The subset of JSONPath that printer columns use: `.spec.replicas`, `.status.conditions[0].type`,
/// `.status.conditions[?(@.type=="Ready")].status`.
enum JSONPathLite {
    static func evaluate(_ path: String, in value: JSONValue) -> JSONValue? {
        var current: JSONValue? = value
        var rest = Substring(path.hasPrefix("{") ? String(path.dropFirst().dropLast()) : path)
        while let cursor = current, !rest.isEmpty {
            if rest.hasPrefix(".") { rest = rest.dropFirst() }
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                if let index = Int(inner) {
                    guard let items = cursor.arrayValue, items.indices.contains(index) else { return nil }
                    current = items[index]
                } else if inner.hasPrefix("?(@."), let eq = inner.range(of: "==") {
                    let key = String(inner[inner.index(inner.startIndex, offsetBy: 4)..<eq.lowerBound])
                    let wanted = inner[eq.upperBound...].dropLast().trimmingCharacters(in: "\"' ")
                    current = cursor.arrayValue?.first { $0[key]?.stringValue == wanted }
                } else {
                    return nil
                }
                continue
            }
            let key = rest.prefix { $0 != "." && $0 != "[" }
            rest = rest.dropFirst(key.count)
            current = cursor[String(key)]
        }
        return current
    }
}
