import BosunCore

/// A HorizontalPodAutoscaler is healthy when it can read its metrics and scale its target.
/// `autoscaling/v2` writes conditions in `status`; `autoscaling/v1` keeps them in an annotation.
enum HorizontalPodAutoscalerHealth {
    static let v1ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"

    static func health(_ hpa: Resource) -> HealthStatus {
        var conditions = hpa.conditions
        if conditions.isEmpty, let text = hpa.annotation(v1ConditionsAnnotation) {
            guard let parsed = try? JSONParser.parse(text), let entries = parsed.arrayValue else {
                return .unknown("annotation \(v1ConditionsAnnotation) is not a JSON list of conditions")
            }
            let status: JSONObject = ["status": .object(["conditions": .array(entries)])]
            let fields = Resource(status)
            conditions = fields.conditions
        }
        if conditions.isEmpty { return .progressing("Waiting to autoscale: no conditions reported yet") }

        for condition in conditions {
            switch (condition.type, condition.status) {
            case ("AbleToScale", "False"):
                return .degraded("HPA cannot scale its target: \(condition.explanation)")
            case ("ScalingActive", "False") where condition.reason == "ScalingDisabled":
                return .suspended("HPA is not scaling: \(condition.explanation)")
            case ("ScalingActive", "False") where condition.reason.hasPrefix("Failed") || condition.reason.hasPrefix("Invalid"):
                return .degraded("HPA cannot compute the replica count: \(condition.explanation)")
            default:
                continue
            }
        }
        let healthyReasons: Set<String> = [
            "SucceededRescale", "ReadyForNewScale", "ValidMetricFound", "DesiredWithinRange", "TooFewReplicas", "TooManyReplicas",
        ]
        if let healthy = conditions.first(where: { healthyReasons.contains($0.reason) }) {
            let current = hpa.int("status", "currentReplicas").map { "\($0) replicas" } ?? "scaling"
            return .healthy("\(current): \(healthy.explanation)")
        }
        return .progressing("Waiting to autoscale: \(conditions.map(\.explanation).joined(separator: "; "))")
    }
}
