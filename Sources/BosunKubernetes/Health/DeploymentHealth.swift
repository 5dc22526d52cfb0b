import BosunCore

/// A Deployment is healthy when its controller has seen the latest spec and every replica is
/// updated and available, the checks `kubectl rollout status` makes.
enum DeploymentHealth {
    static func health(_ deployment: Resource) -> HealthStatus {
        if deployment.bool("spec", "paused") == true {
            return .suspended("Deployment is paused (spec.paused: true); `kubectl rollout resume` continues the rollout")
        }
        let generation = deployment.generation
        let observed = deployment.observedGeneration ?? 0
        guard generation <= observed else {
            return .progressing("Waiting for rollout to finish: the deployment controller has not yet observed generation \(generation) (observed \(observed))")
        }
        if let progressing = deployment.condition("Progressing"), progressing.reason == "ProgressDeadlineExceeded" {
            return .degraded("Deployment \"\(deployment.name)\" exceeded its progress deadline")
        }
        if let failure = deployment.condition("ReplicaFailure"), failure.isTrue {
            return .degraded("Deployment \"\(deployment.name)\" cannot create replicas: \(failure.explanation)")
        }
        let wanted = deployment.specReplicas
        let replicas = deployment.int("status", "replicas") ?? 0
        let updated = deployment.int("status", "updatedReplicas") ?? 0
        let available = deployment.int("status", "availableReplicas") ?? 0
        if updated < wanted {
            return .progressing("Waiting for rollout to finish: \(updated) out of \(wanted) new replicas have been updated...")
        }
        if replicas > updated {
            return .progressing("Waiting for rollout to finish: \(replicas - updated) old replicas are pending termination...")
        }
        if available < updated {
            return .progressing("Waiting for rollout to finish: \(available) of \(updated) updated replicas are available...")
        }
        return .healthy("\(available) of \(wanted) replicas are available")
    }
}
