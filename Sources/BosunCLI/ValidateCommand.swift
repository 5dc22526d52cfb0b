import ArgumentParser
import BosunCore
import BosunEngine
import BosunGit
import Foundation

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config file and report every problem at once.",
        discussion: """
            Each problem names file:line:column, the field and what would fix it. Offline by \
            default. With --fetch it also fetches the repositories that `include:` and \
            `applicationSets:` read (into a temporary folder) and checks the included files and \
            the generated applications at their current revision.

            Exits 0 when valid (a one-line summary), 1 on any problem, 2 when --fetch cannot \
            reach or resolve a source.

            Example:
              bosun validate --config bosun.yaml
              bosun validate --config bosun.yaml --fetch
            """)

    @OptionGroup var options: ConfigOptions
    @Flag(help: "Also fetch and check the included files and the generators' listings.") var fetch = false

    func run() async throws {
        let config: Config
        do {
            config = try ConfigLoader.load(file: options.config)
        } catch {
            for diagnostic in error.diagnostics { print(diagnostic.description) }
            Console.error("\(options.config): \(plural(error.diagnostics.count, "problem")) found")
            throw ExitCode(1)
        }
        let summary = "\(plural(config.targets.count, "target")), \(plural(config.repositories.count, "repository", "repositories")), \(plural(config.applications.count, "application"))"
            + (config.applicationSets.isEmpty ? "" : ", \(plural(config.applicationSets.count, "application set"))")
            + (config.includes.isEmpty ? "" : ", \(plural(config.includes.count, "include"))")
        guard fetch, !config.includes.isEmpty || !config.applicationSets.isEmpty else {
            print("\(options.config): valid (\(summary))")
            return
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bosun-validate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let report = await DeclarationValidation.check(config, git: GitMirrors(root: scratch))
        for line in report.checked { print("ok: \(line)") }
        for problem in report.problems { print(problem) }
        for source in report.unreachable { print("unreachable: \(source)") }
        if !report.unreachable.isEmpty {
            Console.error("\(options.config): \(plural(report.unreachable.count, "source")) could not be reached\(report.problems.isEmpty ? "" : "; \(plural(report.problems.count, "problem")) found")")
            throw ExitCode(2)
        }
        if !report.problems.isEmpty {
            Console.error("\(options.config): \(plural(report.problems.count, "problem")) found")
            throw ExitCode(1)
        }
        print("\(options.config): valid (\(summary)), with what Git holds now")
    }
}
