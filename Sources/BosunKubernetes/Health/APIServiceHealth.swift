import BosunCore

/// An APIService (an aggregated API such as metrics-server's) is healthy when the API server
/// reports it `Available`. Not available yet is Progressing, as in Argo CD: the usual cause is
/// the backing Deployment still starting (MissingEndpoints) in the same sync, which clears by
/// itself; one that never clears fails the sync at `healthTimeout`, naming it.
enum APIServiceHealth {
    static func health(_ service: Resource) -> HealthStatus {
        guard let available = service.condition("Available") else {
            return .progressing("Waiting for the API server to check the service (no Available condition yet)")
        }
        if available.isTrue { return .healthy(available.summary) }
        return .progressing(available.summary)
    }
}
