import BosunCore
import Foundation

/// Application sets and includes as the API and CLI show them.
extension Engine {
    public func applicationSetStatuses() -> [ApplicationSetStatus] {
        declarations.activeSets.map(applicationSetStatus(of:))
    }

    public func applicationSetStatus(_ name: String) throws -> ApplicationSetStatus {
        guard let set = declarations.activeSets.first(where: { $0.name == name }) else {
            throw EngineError(.notFound, "no application set named \"\(name)\"\(closestMatchHint(name, declarations.activeSets.map(\.name)))")
        }
        return applicationSetStatus(of: set)
    }

    /// Fetches the set's repositories now, lists and generates again, and returns the set.
    /// `forceDelete`: remove applications even beyond `maxDeletePercent` (a person said it is meant).
    public func syncApplicationSet(_ name: String, forceDelete: Bool) async throws -> ApplicationSetStatus {
        let set = try applicationSetStatus(name)
        let repositories = Set(set.generators.flatMap(Self.repositories(of:)))
        await refreshDeclarationsNow(force: repositories, forceDelete: forceDelete ? [name] : [])
        return try applicationSetStatus(name)
    }

    public func includeStatuses() -> [IncludeStatus] {
        declarations.local.includes.map { include in
            let record = declarations.includes[include]
            let files = (record?.files ?? [:]).sorted { $0.key < $1.key }.map {
                IncludeStatus.File(path: $0.key, applications: $0.value.applications.map(\.name), applicationSets: $0.value.applicationSets.map(\.name),
                                   healthRules: $0.value.healthRules.map(\.kindKey))
            }
            return IncludeStatus(repository: include.repository, revision: include.revision.description, path: include.path,
                                 commit: record?.commit, files: files, condition: record?.condition)
        }
    }

    func applicationSetStatus(of set: ApplicationSetSpec) -> ApplicationSetStatus {
        let record = declarations.sets[set.name]
        let running = (record?.applied ?? []).map(\.name).filter { declarations.owner[$0] == set.name }
        return ApplicationSetStatus(
            name: set.name, origin: "\(set.origin)", generators: set.generators.map(generatorStatus),
            applications: running, maxApplications: set.maxApplications, maxDeletePercent: set.maxDeletePercent,
            deleteApplications: set.deleteApplications, condition: setCondition(set.name), generatedAt: record?.generatedAt)
    }

    func generatorStatus(_ generator: GeneratorSpec) -> GeneratorStatus {
        switch generator {
        case .directories(let g), .files(let g):
            let listing = declarations.listings[generator]
            return GeneratorStatus(
                type: generator.type, repository: g.repository, revision: g.revision.description, include: g.include, exclude: g.exclude,
                result: listing.map { GeneratorResult(commit: $0.commit, entries: $0.entries.count, listedAt: $0.at) },
                condition: declarations.listingConditions[generator])
        case .list(let items):
            return GeneratorStatus(type: "list", result: GeneratorResult(commit: nil, entries: items.count, listedAt: nil))
        case .matrix(let children):
            let statuses = children.map(generatorStatus)
            let counts = statuses.map { $0.result?.entries }
            let entries = counts.contains(where: { $0 == nil }) ? nil : counts.compactMap { $0 }.reduce(1, *)
            return GeneratorStatus(type: "matrix", result: entries.map { GeneratorResult(commit: nil, entries: $0, listedAt: nil) },
                                   condition: statuses.compactMap(\.condition).first, generators: statuses)
        }
    }

    static func repositories(of generator: GeneratorStatus) -> [String] {
        (generator.repository.map { [$0] } ?? []) + (generator.generators ?? []).flatMap(repositories(of:))
    }
}
