import BosunCore

/// A Service is healthy as soon as it exists, except a LoadBalancer, which waits for the
/// cloud (or MetalLB) to give it an address.
enum ServiceHealth {
    static func health(_ service: Resource) -> HealthStatus {
        guard service.string("spec", "type") == "LoadBalancer" else { return .healthy() }
        let addresses = LoadBalancerStatus.addresses(service)
        if addresses.isEmpty {
            return .progressing("Waiting for the load balancer to get an address (status.loadBalancer.ingress is empty); check the cloud controller or load-balancer provider")
        }
        return .healthy("Load balancer at \(addresses.joined(separator: ", "))")
    }
}

/// The addresses in `status.loadBalancer.ingress`, shared by Service and Ingress.
enum LoadBalancerStatus {
    static func addresses(_ object: Resource) -> [String] {
        object.array("status", "loadBalancer", "ingress").compactMap { entry in
            entry["ip"]?.stringValue ?? entry["hostname"]?.stringValue
        }
    }
}
