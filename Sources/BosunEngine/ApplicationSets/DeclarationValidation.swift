import BosunCore
import BosunGit
import Foundation

/// `bosun validate --fetch`: fetches what the config reads from Git and checks the included
/// files and the generators' listings at their current revision, as the engine would.
public enum DeclarationValidation {
    public struct Report: Sendable {
        /// Problems of the definitions (exit 1).
        public var problems: [String] = []
        /// Sources that could not be reached or resolved (exit 2).
        public var unreachable: [String] = []
        /// One line per include and set that checked out.
        public var checked: [String] = []
        /// Every application: listed, included and generated (for checks that need them all).
        public var applications: [ApplicationSpec] = []
    }

    public static func check(_ config: Config, git: GitMirrors) async -> Report {
        var report = Report()
        let reader = DeclarationReader(git: git)
        var commits: [String: Result<Commit, any Error>] = [:]
        func resolve(_ repositoryName: String, _ revision: RevisionSpec) async -> Commit? {
            guard let repository = config.repository(named: repositoryName) else { return nil }
            let key = "\(repositoryName)@\(revision)"
            if commits[key] == nil {
                do {
                    let outcome = try await git.fetch(repository)
                    if let warning = outcome.warning, !outcome.fetched { throw GenerationError(warning) }
                    commits[key] = .success(try await git.resolve(revision, in: repository))
                } catch {
                    commits[key] = .failure(error)
                    report.unreachable.append("\(repositoryName) at \(revision): \(error)")
                }
            }
            return try? commits[key]?.get()
        }

        var names: [String: String] = [:]
        for app in config.applications { names[app.name] = config.file ?? "the local config" }
        var ruleKinds: [String: String] = [:]
        for rules in config.healthRules { ruleKinds[rules.kindKey] = rules.source.map { "\($0)" } ?? config.file ?? "the local config" }
        var sets = config.applicationSets
        var setNames = Set(sets.map(\.name))
        var applications = config.applications
        for include in config.includes {
            guard let commit = await resolve(include.repository, include.revision), let repository = config.repository(named: include.repository) else { continue }
            do {
                let files = try await reader.read(include, repository: repository, commit: commit.sha, local: config)
                if files.isEmpty { report.problems.append("include \(include.label): no file matches at \(commit.sha.prefix(7))") }
                for (file, result) in files {
                    switch result {
                    case .success(let definitions):
                        for app in definitions.applications {
                            let here = definitions.origins[app.name].map { "\($0)" } ?? "\(include.repository):\(file)"
                            if let there = names[app.name] { report.problems.append("application \"\(app.name)\" is defined at \(here) and at \(there)") }
                            names[app.name] = here
                            applications.append(app)
                        }
                        for set in definitions.applicationSets {
                            if !setNames.insert(set.name).inserted { report.problems.append("application set \"\(set.name)\" at \(set.origin) is defined twice") }
                            sets.append(set)
                        }
                        for rules in definitions.healthRules {
                            let here = rules.source.map { "\($0)" } ?? "\(include.repository):\(file)"
                            if let there = ruleKinds[rules.kindKey] {
                                report.problems.append("health rules for \(rules.group.isEmpty ? rules.kind : "\(rules.group)/\(rules.kind)") are declared at \(here) and at \(there); keep one list")
                            }
                            ruleKinds[rules.kindKey] = here
                        }
                        report.checked.append("\(include.repository):\(file) at \(commit.sha.prefix(7)): \(plural(definitions.applications.count, "application")), \(plural(definitions.applicationSets.count, "application set"))"
                            + (definitions.healthRules.isEmpty ? "" : ", health rules for \(plural(definitions.healthRules.count, "kind"))"))
                    case .failure(let error):
                        report.problems += error.diagnostics.map { "\($0) at commit \(commit.sha.prefix(7))" }
                    }
                }
            } catch {
                report.problems.append("include \(include.label) at \(commit.sha.prefix(7)): \(error)")
            }
        }
        var generatedBy: [String: String] = [:]
        for set in sets {
            var listings: [GeneratorSpec: Listing] = [:]
            var listed = true
            for generator in set.generators.flatMap(\.gitListings) {
                guard let g = generator.git, let repository = config.repository(named: g.repository) else { continue }
                guard let commit = await resolve(g.repository, g.revision) else {
                    listed = false
                    continue
                }
                do {
                    listings[generator] = Listing(commit: commit.sha, entries: try await reader.list(generator, repository: repository, commit: commit.sha), at: Date())
                } catch {
                    report.problems.append("application set \(set.name): \(generator.type) of \(g.repository) at \(commit.sha.prefix(7)): \(error)")
                    listed = false
                }
            }
            guard listed else { continue }
            do {
                let entries = try set.generators.flatMap { generator throws(GenerationError) in try ApplicationSetGeneration.entries(generator, listings: listings) }
                let result = try ApplicationSetGeneration.applications(of: set, entries: entries, config: config)
                for (name, labels) in result.duplicates.sorted(by: { $0.key < $1.key }) {
                    report.problems.append("application set \(set.name): entries \(labels.joined(separator: " and ")) both generate \"\(name)\"")
                }
                for app in result.applications {
                    if let there = names[app.name] {
                        report.problems.append("application set \(set.name) generates \"\(app.name)\", already defined at \(there)")
                    } else if let other = generatedBy[app.name] {
                        report.problems.append("application sets \(other) and \(set.name) both generate \"\(app.name)\"")
                    }
                    generatedBy[app.name] = set.name
                    applications.append(app)
                }
                report.checked.append("application set \(set.name): \(plural(result.applications.count, "application"))")
            } catch {
                report.problems.append("application set \(set.name): \(error)")
            }
        }
        report.applications = applications
        if report.unreachable.isEmpty {
            let known = Set(applications.map(\.name))
            for app in applications {
                for dependency in app.dependsOn where !known.contains(dependency) {
                    report.problems.append("\(app.name).dependsOn names \"\(dependency)\", which is neither listed, included nor generated")
                }
            }
            for (i, notification) in config.notifications.enumerated() {
                for app in notification.applications where !known.contains(app) {
                    report.problems.append("notifications[\(i)].applications names \"\(app)\", which is neither listed, included nor generated")
                }
            }
        }
        return report
    }
}
