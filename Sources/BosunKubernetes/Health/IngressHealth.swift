import BosunCore

/// An Ingress is healthy once its controller has published an address for it.
enum IngressHealth {
    static func health(_ ingress: Resource) -> HealthStatus {
        let addresses = LoadBalancerStatus.addresses(ingress)
        if addresses.isEmpty {
            let className = ingress.string("spec", "ingressClassName").map { " (ingress class \"\($0)\")" } ?? ""
            return .progressing("Waiting for the ingress controller\(className) to publish an address (status.loadBalancer.ingress is empty)")
        }
        return .healthy("Ingress is served at \(addresses.joined(separator: ", "))")
    }
}
