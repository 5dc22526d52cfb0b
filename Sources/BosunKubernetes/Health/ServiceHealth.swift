import BosunCore

/// A Service is healthy as soon as it exists, except a LoadBalancer, which waits until the
/// cloud (or MetalLB) publishes it in `status.loadBalancer.ingress`.
enum ServiceHealth {
    static func health(_ service: Resource) -> HealthStatus {
        guard service.string("spec", "type") == "LoadBalancer" else { return .healthy() }
        let published = LoadBalancerStatus(service)
        if published.entries == 0 {
            return .progressing("Waiting for the load balancer to get an address (status.loadBalancer.ingress is empty); check the cloud controller or load-balancer provider")
        }
        return .healthy(published.describe(at: "Load balancer", published: "Load balancer published"))
    }
}

/// `status.loadBalancer.ingress`, shared by Service and Ingress. Any entry means the provider
/// has published the object, as Argo CD reads it: some providers publish entries without an
/// address (`- {}`), and waiting for one would never end.
struct LoadBalancerStatus {
    var entries: Int
    var addresses: [String]

    init(_ object: Resource) {
        let ingress = object.array("status", "loadBalancer", "ingress")
        entries = ingress.count
        addresses = ingress.compactMap { entry in
            let address = entry["ip"]?.stringValue ?? entry["hostname"]?.stringValue
            return address?.isEmpty == false ? address : nil
        }
    }

    /// `Load balancer at 203.0.113.10`, or that it was published without an address.
    func describe(at: String, published: String) -> String {
        if !addresses.isEmpty { return "\(at) at \(addresses.joined(separator: ", "))" }
        let count = entries == 1 ? "1 entry" : "\(entries) entries"
        return "\(published) without an address (status.loadBalancer.ingress has \(count) with neither ip nor hostname)"
    }
}
