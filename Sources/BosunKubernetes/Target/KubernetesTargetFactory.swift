import BosunCore
import Foundation

/// Builds a Kubernetes target from its config entry:
///
/// ```yaml
/// targets:
///   - { name: prod, type: kubernetes, kubeconfig: ~/.kube/config, context: prod, namespace: default, requestTimeout: 30s }
///   - { name: here, type: kubernetes, inCluster: true }
/// ```
public enum KubernetesTargetFactory {
    /// The target for a `type: kubernetes` entry, as `TargetFactory` registers it.
    public static func make(_ spec: TargetSpec, _ env: TargetEnvironment) throws -> any DeploymentTarget {
        try makeTarget(spec, env)
    }

    /// The same, typed, for callers that need the client (benchmarks, `bosun diff --server-side`).
    public static func makeTarget(_ spec: TargetSpec, _ env: TargetEnvironment) throws -> KubernetesTarget {
        let connection: ClusterConnection
        do {
            if spec.bool("inCluster") == true {
                connection = try InClusterConfig.connection(environment: env.environment)
            } else {
                let path = spec.string("kubeconfig").map(env.resolvePath)
                connection = try KubeConfigLoader.connection(explicitPath: path, context: spec.string("context"), environment: env.environment)
            }
        } catch let error as TargetError {
            throw TargetError(error.code, "target \"\(spec.name)\": \(error.message)")
        }
        var options = KubernetesClientOptions()
        if let timeout = spec.options["requestTimeout"] {
            if let seconds = timeout.doubleValue, seconds > 0 {
                options.requestTimeout = .milliseconds(Int64(seconds * 1000))
            } else if let text = timeout.stringValue, let parsed = try? DurationText.parse(text) {
                options.requestTimeout = parsed
            } else {
                throw TargetError(.invalid, "target \"\(spec.name)\": requestTimeout must be a duration such as 30s")
            }
        }
        let client = try KubernetesClient(connection: connection, options: options, environment: env.environment)
        return KubernetesTarget(name: spec.name, client: client, defaultNamespace: spec.string("namespace"))
    }
}
