import BosunCore

/// A HorizontalPodAutoscaler, read as Argo CD reads it: its conditions in the order the HPA
/// controller writes them (`AbleToScale`, `ScalingActive`, `ScalingLimited`), the first that
/// shows a failure or a working autoscaler deciding. `autoscaling/v2` keeps the conditions in
/// `status`; `autoscaling/v1` in an annotation.
///
/// So an HPA that can scale its target is Healthy even while its metrics are not available yet
/// (right after a rollout the metrics of new pods take a minute to appear; calling that
/// Degraded would roll back good releases); one whose target is missing is Degraded. An HPA
/// whose target has zero replicas (`ScalingActive=False`, `ScalingDisabled`) is Healthy:
/// scaling to zero was someone's choice.
enum HorizontalPodAutoscalerHealth {
    static let v1ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"

    /// Reasons that mean the HPA cannot do its work: the target's scale cannot be read or
    /// written, or no metric can be computed. Argo CD lists FailedGetResourceMetric; Bosun
    /// treats every metric source alike (FailedGetPodsMetric, FailedGetExternalMetric, …).
    static func isFailure(_ condition: Condition) -> Bool {
        switch condition.type {
        case "AbleToScale": condition.reason == "FailedGetScale" || condition.reason == "FailedUpdateScale"
        case "ScalingActive":
            (condition.reason.hasPrefix("FailedGet") && condition.reason.hasSuffix("Metric")) || condition.reason == "InvalidSelector"
        default: false
        }
    }

    /// Conditions that show the autoscaler at work.
    static func isWorking(_ condition: Condition) -> Bool {
        switch condition.type {
        case "AbleToScale", "ScalingLimited": condition.isTrue
        case "ScalingActive": condition.isFalse && condition.reason == "ScalingDisabled"
        default: false
        }
    }

    static func health(_ hpa: Resource) -> HealthStatus {
        var conditions = hpa.conditions
        var place = "status.conditions"
        if conditions.isEmpty, let text = hpa.annotation(v1ConditionsAnnotation) {
            guard let parsed = try? JSONParser.parse(text), let entries = parsed.arrayValue else {
                return .unknown("annotation \(v1ConditionsAnnotation) is not a JSON list of conditions")
            }
            conditions = Resource.conditions(in: entries)
            place = "annotation \(v1ConditionsAnnotation)"
        }
        if conditions.isEmpty { return .progressing("Waiting to autoscale: no conditions reported yet") }
        for (index, condition) in conditions.enumerated() {
            if isFailure(condition) {
                let what = condition.type == "AbleToScale" ? "cannot scale its target" : "cannot compute the replica count"
                return .degraded("HPA \(what): \(condition.summary)")
            }
            if isWorking(condition) {
                // Failures after it do not decide, but a person should still see them.
                let noted = conditions[(index + 1)...].filter(isFailure).map { "; \($0.summary)" }.joined()
                let replicas = hpa.int("status", "currentReplicas").map { "\($0) replicas; " } ?? ""
                return .healthy("\(replicas)\(condition.summary)\(noted)")
            }
        }
        return .progressing("Waiting to autoscale (\(place)): \(conditions.map(\.summary).joined(separator: "; "))")
    }
}
