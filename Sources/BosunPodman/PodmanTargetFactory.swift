import BosunCore
import Foundation

/// Builds a Podman target from its config entry (see `PodmanConnection` for the fields).
public enum PodmanTargetFactory {
    /// The target for a `type: podman` entry, as `TargetFactory` registers it.
    public static func make(_ spec: TargetSpec, _ env: TargetEnvironment) throws -> any DeploymentTarget {
        try makeTarget(spec, env)
    }

    /// The same, typed, for callers that need the client's call counters (benchmarks).
    public static func makeTarget(_ spec: TargetSpec, _ env: TargetEnvironment) throws -> PodmanTarget {
        let connection = try PodmanConnection.from(spec, env)
        return PodmanTarget(name: spec.name, connection: connection, stateDirectory: env.dataDirectory.appendingPathComponent("podman"))
    }
}
