import BosunCore

/// The checks the real API server makes before it stores an object, for the mistakes people make
/// in manifests: names, labels, required fields, selectors that do not select the template,
/// fields that cannot change. Messages are worded as Kubernetes' validation words them.
enum Validation {
    static let subdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1035Message =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    static let configKeyMessage =
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

    /// Every problem with `object` (and, for an update, with how it changed from `old`).
    static func validate(_ object: JSONObject, old: JSONObject?, type: ResourceType) -> [FieldError] {
        var errors = metadata(object, type: type)
        let spec = object["spec"]?.objectValue
        switch (type.group, type.kind) {
        case ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "DaemonSet"):
            errors += workload(spec, old: old?["spec"]?.objectValue, kind: type.kind)
        case ("batch", "Job"):
            errors += job(spec, old: old?["spec"]?.objectValue)
        case ("batch", "CronJob"):
            if spec?["schedule"]?.stringValue?.isEmpty ?? true { errors.append(.required("spec.schedule")) }
            if let template = spec?["jobTemplate"]?["spec"]?["template"]?.objectValue {
                errors += podTemplate(template, path: "spec.jobTemplate.spec.template", restartPolicies: ["OnFailure", "Never"])
            }
        case ("", "Pod"):
            errors += podSpec(spec ?? JSONObject(), path: "spec", restartPolicies: ["Always", "OnFailure", "Never"])
        case ("", "Service"):
            errors += service(spec, old: old?["spec"]?.objectValue)
        case ("", "ConfigMap"), ("", "Secret"):
            for field in ["data", "binaryData"] {
                for entry in object[field]?.objectValue ?? JSONObject() where !isConfigKey(entry.key) {
                    errors.append(.invalid("\(field)[\(entry.key)]", .string(entry.key), configKeyMessage))
                }
            }
            if type.kind == "Secret", let old, old["type"] != object["type"] {
                errors.append(.invalid("type", object["type"] ?? .null, "field is immutable"))
            }
        case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
            if object["roleRef"] == nil { errors.append(.required("roleRef")) }
            if let old, old["roleRef"] != object["roleRef"] {
                errors.append(.invalid("roleRef", object["roleRef"] ?? .null, "cannot change roleRef"))
            }
        case ("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "ClusterRole"):
            for (i, rule) in (object["rules"]?.arrayValue ?? []).enumerated() where (rule["verbs"]?.arrayValue ?? []).isEmpty {
                errors.append(.required("rules[\(i)].verbs", "verbs must contain at least one value"))
            }
        case ("networking.k8s.io", "Ingress"):
            for (i, rule) in (spec?["rules"]?.arrayValue ?? []).enumerated() {
                for (j, path) in (rule["http"]?["paths"]?.arrayValue ?? []).enumerated() where path["pathType"] == nil {
                    errors.append(.required("spec.rules[\(i)].http.paths[\(j)].pathType", "pathType must be specified"))
                }
            }
        case ("apiextensions.k8s.io", "CustomResourceDefinition"):
            errors += CustomResourceDefinitions.validate(object)
        default:
            break
        }
        return errors
    }

    // MARK: Metadata

    static func metadata(_ object: JSONObject, type: ResourceType) -> [FieldError] {
        var errors: [FieldError] = []
        let metadata = object["metadata"]?.objectValue ?? JSONObject()
        let name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty {
            errors.append(.required("metadata.name", "name or generateName is required"))
        } else if type.kind == "Namespace" {
            if !isDNSLabel(name) { errors.append(.invalid("metadata.name", .string(name), labelMessage)) }
        } else if type.kind == "Service" {
            if !isDNS1035Label(name) { errors.append(.invalid("metadata.name", .string(name), dns1035Message)) }
        } else if type.group == "rbac.authorization.k8s.io" {
            if name.contains("/") || name.contains("%") || name == "." || name == ".." {
                errors.append(.invalid("metadata.name", .string(name), "may not contain '/' or '%'"))
            }
        } else if !isDNSSubdomain(name) {
            errors.append(.invalid("metadata.name", .string(name), subdomainMessage))
        }
        for entry in metadata["labels"]?.objectValue ?? JSONObject() {
            guard let value = entry.value.stringValue else {
                errors.append(.invalid("metadata.labels", entry.value, "label values must be strings"))
                continue
            }
            if !isLabelValue(value) { errors.append(.invalid("metadata.labels", .string(value), labelValueMessage)) }
            if !isQualifiedName(entry.key) {
                errors.append(
                    .invalid(
                        "metadata.labels", .string(entry.key),
                        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"))
            }
        }
        for entry in metadata["annotations"]?.objectValue ?? JSONObject() where entry.value.stringValue == nil {
            errors.append(.invalid("metadata.annotations", entry.value, "annotation values must be strings"))
        }
        return errors
    }

    // MARK: Workloads

    static func workload(_ spec: JSONObject?, old: JSONObject?, kind: String) -> [FieldError] {
        guard let spec else { return [.required("spec.selector"), .required("spec.template.spec.containers")] }
        var errors: [FieldError] = []
        if let replicas = spec["replicas"]?.intValue, replicas < 0 {
            errors.append(.invalid("spec.replicas", .int(replicas), "must be greater than or equal to 0"))
        }
        let selector = spec["selector"]?.objectValue
        if selector == nil {
            errors.append(.required("spec.selector"))
        } else if let selector, LabelSelector(object: selector).isEmpty {
            errors.append(.invalid("spec.selector", .object(selector), "empty selector is invalid for \(kind.lowercased())"))
        }
        let template = spec["template"]?.objectValue ?? JSONObject()
        let labels = template["metadata"]?["labels"]?.objectValue ?? JSONObject()
        if let selector, !LabelSelector(object: selector).isEmpty, !LabelSelector(object: selector).matches(labels) {
            errors.append(.invalid("spec.template.metadata.labels", .object(labels), "`selector` does not match template `labels`"))
        }
        errors += podTemplate(template, path: "spec.template", restartPolicies: ["Always"])
        if let old, let oldSelector = old["selector"], spec["selector"] != oldSelector {
            errors.append(.invalid("spec.selector", spec["selector"] ?? .null, "field is immutable"))
        }
        return errors
    }

    static func job(_ spec: JSONObject?, old: JSONObject?) -> [FieldError] {
        guard let spec else { return [.required("spec.template")] }
        var errors = podTemplate(
            spec["template"]?.objectValue ?? JSONObject(), path: "spec.template", restartPolicies: ["OnFailure", "Never"])
        if let old, let oldTemplate = old["template"], oldTemplate != spec["template"] {
            errors.append(.invalid("spec.template", spec["template"] ?? .null, "field is immutable"))
        }
        return errors
    }

    static func podTemplate(_ template: JSONObject, path: String, restartPolicies: [String]) -> [FieldError] {
        podSpec(template["spec"]?.objectValue ?? JSONObject(), path: "\(path).spec", restartPolicies: restartPolicies)
    }

    static func podSpec(_ spec: JSONObject, path: String, restartPolicies: [String]) -> [FieldError] {
        var errors: [FieldError] = []
        let containers = spec["containers"]?.arrayValue ?? []
        if containers.isEmpty { errors.append(.required("\(path).containers")) }
        var names = Set<String>()
        for (i, container) in containers.enumerated() {
            let name = container["name"]?.stringValue ?? ""
            if name.isEmpty {
                errors.append(.required("\(path).containers[\(i)].name"))
            } else if !isDNSLabel(name) {
                errors.append(.invalid("\(path).containers[\(i)].name", .string(name), labelMessage))
            } else if !names.insert(name).inserted {
                errors.append(.duplicate("\(path).containers[\(i)].name", .string(name)))
            }
            if (container["image"]?.stringValue ?? "").isEmpty { errors.append(.required("\(path).containers[\(i)].image")) }
        }
        if let policy = spec["restartPolicy"]?.stringValue, !restartPolicies.contains(policy) {
            if restartPolicies.count == 1 {
                errors.append(.notSupported("\(path).restartPolicy", .string(policy), restartPolicies))
            } else {
                errors.append(
                    .required(
                        "\(path).restartPolicy",
                        "valid values: " + restartPolicies.map { "\"\($0)\"" }.joined(separator: ", ")))
            }
        }
        return errors
    }

    static func service(_ spec: JSONObject?, old: JSONObject?) -> [FieldError] {
        let spec = spec ?? JSONObject()
        var errors: [FieldError] = []
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        let supported = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
        if !supported.contains(type) { errors.append(.notSupported("spec.type", .string(type), supported)) }
        let ports = spec["ports"]?.arrayValue ?? []
        if ports.isEmpty && type != "ExternalName" && spec["clusterIP"]?.stringValue != "None" {
            errors.append(.required("spec.ports"))
        }
        for (i, port) in ports.enumerated() {
            let number = port["port"]?.intValue ?? 0
            if !(1...65535).contains(number) {
                errors.append(.invalid("spec.ports[\(i)].port", port["port"] ?? .int(0), "must be between 1 and 65535, inclusive"))
            }
            if ports.count > 1, (port["name"]?.stringValue ?? "").isEmpty { errors.append(.required("spec.ports[\(i)].name")) }
        }
        if let old, let oldIP = old["clusterIP"]?.stringValue, !oldIP.isEmpty,
            let newIP = spec["clusterIP"]?.stringValue, newIP != oldIP
        {
            errors.append(.invalid("spec.clusterIPs[0]", .array([.string(newIP)]), "may not change once set"))
        }
        return errors
    }

    // MARK: Name rules

    static func isDNSLabel(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 63 else { return false }
        let bytes = Array(s.utf8)
        func ok(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard let first = bytes.first, let last = bytes.last, ok(first), ok(last) else { return false }
        return bytes.allSatisfy { ok($0) || $0 == UInt8(ascii: "-") }
    }

    static func isDNS1035Label(_ s: String) -> Bool {
        guard isDNSLabel(s), let first = s.utf8.first else { return false }
        return first >= 0x61 && first <= 0x7A
    }

    static func isDNSSubdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
    }

    static func isLabelValue(_ s: String) -> Bool {
        if s.isEmpty { return true }
        guard s.count <= 63 else { return false }
        let bytes = Array(s.utf8)
        func alnum(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
        }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    static func isQualifiedName(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return isLabelValue(s) && !s.isEmpty
        case 2: return isDNSSubdomain(String(parts[0])) && isLabelValue(String(parts[1])) && !parts[1].isEmpty
        default: return false
        }
    }

    static func isConfigKey(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 253 && s != "." && s != ".."
            && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }
    }
}
