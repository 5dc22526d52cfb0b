import BosunCore

/// An Ingress is healthy once its controller has published it in `status.loadBalancer.ingress`.
enum IngressHealth {
    static func health(_ ingress: Resource) -> HealthStatus {
        let published = LoadBalancerStatus(ingress)
        if published.entries == 0 {
            let className = ingress.string("spec", "ingressClassName").map { " (ingress class \"\($0)\")" } ?? ""
            return .progressing("Waiting for the ingress controller\(className) to publish an address (status.loadBalancer.ingress is empty)")
        }
        return .healthy(published.describe(at: "Ingress is served", published: "Ingress is published"))
    }
}
