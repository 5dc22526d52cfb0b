import BosunCore
import Foundation

/// The connection a pod gets from its service account: the API server from
/// `KUBERNETES_SERVICE_HOST`/`_PORT`, the CA, token and namespace from the mounted folder.
public enum InClusterConfig {
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The in-cluster connection; `directory` is injectable for tests.
    public static func connection(
        environment: [String: String] = ProcessInfo.processInfo.environment, directory: String = serviceAccountDirectory
    ) throws -> ClusterConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw TargetError(.invalid, "inCluster is set but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not: Bosun is not running in a pod; use `kubeconfig:` instead")
        }
        let tokenPath = "\(directory)/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw TargetError(.invalid, "inCluster is set but the service-account token \(tokenPath) is not readable; check automountServiceAccountToken")
        }
        let caPath = "\(directory)/ca.crt"
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw TargetError(.invalid, "inCluster is set but the service-account CA \(caPath) is not readable")
        }
        let namespace = FileManager.default.contents(atPath: "\(directory)/namespace")
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
            .flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        // An IPv6 address needs brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return ClusterConnection(
            server: "https://\(hostPart):\(port)", namespace: namespace, contextName: nil,
            tls: ClusterConnection.TLS(certificateAuthorityPEM: Array(ca)), authentication: .tokenFile(tokenPath))
    }
}
