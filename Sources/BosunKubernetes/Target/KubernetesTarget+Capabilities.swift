import BosunCore

extension KubernetesTarget {
    /// What the cluster serves, from discovery, so charts that test `.Capabilities` render as
    /// they would under `helm install`. nil when discovery does not answer (Helm's defaults apply).
    public func capabilities() async -> TargetCapabilities? {
        guard let versions = try? await client.discovery.groupVersions() else { return nil }
        let server = try? await client.discovery.serverVersion()
        return TargetCapabilities(apiVersions: versions, kubeVersion: server ?? nil)
    }
}
