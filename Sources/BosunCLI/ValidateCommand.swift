import ArgumentParser
import BosunCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config file and report every problem at once.",
        discussion: """
            Each problem names file:line:column, the field and what would fix it. Exits 1 on any \
            problem, 0 with a one-line summary otherwise.

            Example:
              bosun validate --config bosun.yaml
            """)

    @OptionGroup var options: ConfigOptions

    func run() throws {
        do {
            let config = try ConfigLoader.load(file: options.config)
            print("\(options.config): valid (\(plural(config.targets.count, "target")), \(plural(config.repositories.count, "repository", "repositories")), \(plural(config.applications.count, "application")))")
        } catch {
            for diagnostic in error.diagnostics { print(diagnostic.description) }
            Console.error("\(options.config): \(plural(error.diagnostics.count, "problem")) found")
            throw ExitCode(1)
        }
    }
}
