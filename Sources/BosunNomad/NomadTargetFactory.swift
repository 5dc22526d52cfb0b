import BosunCore
import Foundation

/// Builds a Nomad target from its config entry (see `NomadConnection` for the fields).
public enum NomadTargetFactory {
    /// The target for a `type: nomad` entry, as `TargetFactory` registers it.
    public static func make(_ spec: TargetSpec, _ env: TargetEnvironment) throws -> any DeploymentTarget {
        try makeTarget(spec, env)
    }

    /// The same, typed, for callers that need the client's request counters (benchmarks).
    public static func makeTarget(_ spec: TargetSpec, _ env: TargetEnvironment) throws -> NomadTarget {
        let connection = try NomadConnection.from(spec, env)
        do {
            return NomadTarget(name: spec.name, client: try NomadClient(connection: connection))
        } catch let error as TargetError {
            throw TargetError(error.code, "target \"\(spec.name)\": \(error.message)")
        }
    }
}
