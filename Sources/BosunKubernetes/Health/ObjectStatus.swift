import BosunCore

/// One entry of `status.conditions`, as every Kubernetes kind writes it.
struct Condition: Sendable, Hashable {
    var type: String
    var status: String
    var reason: String
    var message: String

    var isTrue: Bool { status == "True" }
    var isFalse: Bool { status == "False" }

    /// `reason: message`, or whichever of them is set.
    var explanation: String {
        switch (reason.isEmpty, message.isEmpty) {
        case (false, false): "\(reason): \(message)"
        case (false, true): reason
        case (true, false): message
        case (true, true): "no reason given"
        }
    }

    /// `Ready=False (Failed): the message`: the condition that decided, as health messages name it.
    var summary: String {
        var text = "\(type)=\(status)"
        if !reason.isEmpty && reason != type { text += " (\(reason))" }
        if !message.isEmpty { text += ": \(message)" }
        return text
    }
}

/// Typed reads of the fields health rules look at, with Kubernetes' defaults for absent ones.
extension Resource {
    /// An integer at a path of object keys; nil when absent or not a number.
    func int(_ path: String...) -> Int? { value[path: path]?.intValue }

    func string(_ path: String...) -> String? { value[path: path]?.stringValue }

    func bool(_ path: String...) -> Bool? { value[path: path]?.boolValue }

    func array(_ path: String...) -> [JSONValue] { value[path: path]?.arrayValue ?? [] }

    var generation: Int { int("metadata", "generation") ?? 0 }

    /// `status.observedGeneration`; nil when the controller has not written it. Some
    /// controllers (Argo Rollouts) write it as a string of digits.
    var observedGeneration: Int? {
        switch value[path: ["status", "observedGeneration"]] {
        case .string(let text)?: Int(text)
        case let other?: other.intValue
        case nil: nil
        }
    }

    /// `spec.replicas`, which the API server defaults to 1.
    var specReplicas: Int { int("spec", "replicas") ?? 1 }

    var deletionTimestamp: String? { string("metadata", "deletionTimestamp") }

    var conditions: [Condition] { Self.conditions(in: array("status", "conditions")) }

    static func conditions(in entries: [JSONValue]) -> [Condition] {
        entries.compactMap { entry in
            guard let type = entry["type"]?.stringValue else { return nil }
            return Condition(
                type: type, status: entry["status"]?.stringValue ?? "Unknown",
                reason: entry["reason"]?.stringValue ?? "", message: entry["message"]?.stringValue ?? "")
        }
    }

    func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }
}
