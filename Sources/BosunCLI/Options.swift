import ArgumentParser
import BosunCore
import Foundation

/// `--config`, shared by the commands that read `bosun.yaml`.
struct ConfigOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "The config file.")
    var config: String = "bosun.yaml"

    func load() throws -> Config {
        do {
            return try ConfigLoader.load(file: config)
        } catch {
            throw CLIError(error.description)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, yaml, json
}

/// An error already phrased for a person; printed without a stack of prefixes.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Standard error, for messages that must not mix with data on standard output.
enum Console {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static var isTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    /// Flushes standard output (lines printed before a long wait must show at once).
    static func flush() { fflush(nil) }
}

/// `3 targets`, `1 repository`.
func plural(_ n: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
    "\(n) \(n == 1 ? singular : pluralForm ?? singular + "s")"
}
