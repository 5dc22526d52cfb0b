/// A kubeconfig for a plain-HTTP API server without credentials, such as the Kubernetes
/// simulator on loopback; `kubectl` and Bosun read it alike.
public enum Kubeconfig {
    public static func text(server: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters: [{ name: sim, cluster: { server: "\(server)" } }]
        contexts: [{ name: sim, context: { cluster: sim, user: sim, namespace: default } }]
        current-context: sim
        users: [{ name: sim, user: {} }]
        """
    }
}
