import BosunCore

/// What the engine asks of all applications' specs at once, kept from the config so that a look
/// at one application does not walk all of them (a pass over 1,000 applications was quadratic).
struct SpecIndex: Sendable {
    /// The applications that name each application in `dependsOn`.
    private(set) var dependents: [String: [String]] = [:]
    /// The shortest sync interval among the applications that read each repository.
    private(set) var shortestInterval: [String: Duration] = [:]

    init(_ config: Config) {
        for spec in config.applications {
            for dependency in spec.dependsOn { dependents[dependency, default: []].append(spec.name) }
            // Repositories values come from are read as often as the application's own.
            for repository in [spec.source.repository] + (spec.source.helm?.valuesFrom.map(\.repository) ?? []) {
                shortestInterval[repository] = min(shortestInterval[repository] ?? spec.sync.interval, spec.sync.interval)
            }
        }
    }
}
