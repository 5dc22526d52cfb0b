import BosunCore
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// When a process that exited is started again.
enum RestartPolicy: String, Sendable, Hashable, CaseIterable {
    case always = "Always"
    case onFailure = "OnFailure"
    case never = "Never"
}

/// A `Process` manifest, validated: what to run, where, with which environment, how to tell it is
/// ready and how to stop it.
struct ProcessSpec: Sendable, Hashable {
    struct EnvironmentVariable: Sendable, Hashable {
        var name: String
        var value: String
    }

    static let fields = ["command", "workingDir", "env", "restartPolicy", "restartOn", "readinessProbe", "stopSignal", "stopTimeoutSeconds"]

    var name: String
    var command: [String]
    /// Relative to the target root; nil runs in the root.
    var workingDir: String?
    var env: [EnvironmentVariable]
    var restartPolicy: RestartPolicy
    /// Names of `File` resources of the same application whose change restarts the process.
    var restartOn: [String]
    var readinessProbe: ProbeSpec?
    var stopSignal: Int32
    var stopTimeout: Duration

    init(_ resource: Resource) throws(ManifestError) {
        name = resource.name
        let spec = try FieldReader(resource.body["spec"], at: "spec", example: "spec: { command: [sleep, \"60\"] }")
        try spec.rejectUnknown(Self.fields)
        guard let command = try spec.stringList("command", example: "[python3, -m, http.server, \"8080\"]"), !command.isEmpty,
            !command[0].isEmpty
        else {
            throw ManifestError(spec.field("command"), "missing or empty; name the program and its arguments, for example `command: [python3, -m, http.server, \"8080\"]`")
        }
        if let bad = command.firstIndex(where: { $0.utf8.contains(0) }) {
            throw ManifestError("\(spec.field("command"))[\(bad)]", "contains a NUL character")
        }
        self.command = command
        workingDir = try spec.string("workingDir", example: "site")
        env = try Self.environment(spec)
        if let policy = try spec.string("restartPolicy", example: "Always") {
            guard let parsed = RestartPolicy(rawValue: policy) else {
                throw ManifestError(spec.field("restartPolicy"), "expected Always, OnFailure or Never, found \"\(policy)\"")
            }
            restartPolicy = parsed
        } else {
            restartPolicy = .always
        }
        restartOn = try spec.stringList("restartOn", example: "[config]") ?? []
        if spec.has("readinessProbe") {
            let probe = try FieldReader(spec.object["readinessProbe"], at: spec.field("readinessProbe"), example: "readinessProbe: { tcpSocket: { port: 8080 } }")
            readinessProbe = try ProbeSpec(probe)
        } else {
            readinessProbe = nil
        }
        let signalName = try spec.string("stopSignal", example: "SIGTERM") ?? "SIGTERM"
        guard let signal = SignalName.number(signalName) else {
            let names = SignalName.known.map(\.name).joined(separator: ", ")
            throw ManifestError(spec.field("stopSignal"), "unknown signal \"\(signalName)\"; use one of \(names)")
        }
        stopSignal = signal
        stopTimeout = try spec.seconds("stopTimeoutSeconds", default: 10)
    }

    /// `env` as a list of `{name, value}` or as a plain map.
    private static func environment(_ spec: FieldReader) throws(ManifestError) -> [EnvironmentVariable] {
        guard let raw = spec.object["env"], !raw.isNull else { return [] }
        var result: [EnvironmentVariable] = []
        if let map = raw.objectValue {
            for entry in map {
                guard let value = FieldReader.scalarText(entry.value) else {
                    throw ManifestError("\(spec.field("env")).\(entry.key)", "expected a string value, found a \(entry.value.typeName)")
                }
                result.append(EnvironmentVariable(name: entry.key, value: value))
            }
        } else if let list = raw.arrayValue {
            for (index, item) in list.enumerated() {
                let field = "\(spec.field("env"))[\(index)]"
                let entry = try FieldReader(item, at: field, example: "{ name: GREETING, value: hi }")
                try entry.rejectUnknown(["name", "value"])
                let name = try entry.requiredString("name", example: "GREETING")
                let value = entry.object["value"].flatMap(FieldReader.scalarText) ?? ""
                if let raw = entry.object["value"], !raw.isNull, FieldReader.scalarText(raw) == nil {
                    throw ManifestError(entry.field("value"), "expected a string, found a \(raw.typeName)")
                }
                result.append(EnvironmentVariable(name: name, value: value))
            }
        } else {
            throw ManifestError(spec.field("env"), "expected a list like `[{ name: GREETING, value: hi }]` or a map like `{ GREETING: hi }`, found a \(raw.typeName)")
        }
        for variable in result {
            if variable.name.isEmpty || variable.name.contains("=") || variable.name.utf8.contains(0) || variable.value.utf8.contains(0) {
                throw ManifestError(spec.field("env"), "\"\(variable.name)\" is not a usable variable name (empty, or has = or NUL)")
            }
        }
        var seen = Set<String>()
        for variable in result where !seen.insert(variable.name).inserted {
            throw ManifestError(spec.field("env"), "\(variable.name) is set twice; keep one")
        }
        return result
    }

    /// The spec as the target holds it: the same fields in the same order, with `env` as a
    /// list of `{name, value}` strings, so Git written either way compares equal to live.
    static func prepared(_ resource: Resource) throws(ManifestError) -> Resource {
        let parsed = try ProcessSpec(resource)
        guard var spec = resource.body["spec"]?.objectValue else { return resource }
        if spec["env"] != nil, !(spec["env"]?.isNull ?? true) {
            spec["env"] = .array(parsed.env.map { .object(["name": .string($0.name), "value": .string($0.value)]) })
        }
        var result = resource
        result.body["spec"] = .object(spec)
        return result
    }
}
