import ArgumentParser
import BosunCore

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config file and report every problem at once.",
        discussion: """
            Each problem names file:line:column, the field and what would fix it. Then each \
            decryption key is loaded, and each application with decryption is rendered at its \
            revision: a SOPS file encrypted to no key the application holds (or changed since it was \
            encrypted) is a problem too (--skip-secrets leaves this out). Exits 1 on any problem, 0 \
            with a one-line summary otherwise.

            Example:
              bosun validate --config bosun.yaml
            """)

    @OptionGroup var options: ConfigOptions
    @Flag(help: "Do not load decryption keys or render applications to check their SOPS files.") var skipSecrets = false

    func run() async throws {
        let config: Config
        do {
            config = try ConfigLoader.load(file: options.config)
        } catch {
            for diagnostic in error.diagnostics { print(diagnostic.description) }
            Console.error("\(options.config): \(plural(error.diagnostics.count, "problem")) found")
            throw ExitCode(1)
        }
        if !skipSecrets {
            let problems = await SecretsCheck.problems(config)
            if !problems.isEmpty {
                for problem in problems { print("\(options.config): \(problem)") }
                Console.error("\(options.config): \(plural(problems.count, "problem")) found")
                throw ExitCode(1)
            }
        }
        print("\(options.config): valid (\(plural(config.targets.count, "target")), \(plural(config.repositories.count, "repository", "repositories")), \(plural(config.applications.count, "application")))")
    }
}
