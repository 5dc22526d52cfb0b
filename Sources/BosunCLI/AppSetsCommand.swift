import ArgumentParser
import BosunCore
import Foundation

struct AppSetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appsets",
        abstract: "List application sets: their generators, last results, conditions and applications.",
        discussion: """
            A set's applications stay as last generated while a listing fails (GeneratorFailed) or \
            would remove more than maxDeletePercent of them at once (DeleteRefused). Files read by \
            `include:` are listed after the sets, with ConfigInvalid when one does not parse.

            Example:
              bosun appsets
              bosun appsets -o json | jq '.[] | select(.condition != null)'
              bosun appsets sync services --force-delete
            """,
        subcommands: [List.self, Sync.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List application sets (the default).")
        @OptionGroup var server: ServerOptions
        @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

        func run() async throws {
            let client = try server.client()
            let sets: [ApplicationSetStatus] = try await client.get("/api/v1/applicationsets")
            if output == .json {
                print(Format.json(sets))
                return
            }
            let includes: [IncludeStatus] = try await client.get("/api/v1/includes")
            var lines: [String] = []
            if sets.isEmpty {
                lines.append("no application sets")
            } else {
                var table = Table("NAME", "GENERATORS", "APPLICATIONS", "COMMIT", "CONDITION")
                for set in sets {
                    let generators = set.generators.map(AppSetsCommand.describe).joined(separator: ", ")
                    let commit = set.generators.compactMap { $0.result?.commit }.first
                    table.add(set.name, generators, "\(set.applications.count)", Format.short(commit), set.condition?.type ?? "")
                }
                lines.append(table.rendered)
                for set in sets {
                    if let condition = set.condition { lines.append("\n\(set.name): \(condition.type): \(condition.message)") }
                }
            }
            if !includes.isEmpty {
                var table = Table("INCLUDE", "COMMIT", "FILES", "CONDITION")
                for include in includes {
                    table.add("\(include.repository):\(include.path)@\(include.revision)", Format.short(include.commit), "\(include.files.count)",
                              include.condition?.type ?? "")
                }
                lines.append("\n" + table.rendered)
                for include in includes {
                    if let condition = include.condition { lines.append("\n\(include.repository):\(include.path): \(condition.type): \(condition.message)") }
                }
            }
            print(lines.joined(separator: "\n"))
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Fetch a set's repositories now, list and generate its applications again.",
            discussion: """
                Exits 0 when the listing is applied, 1 when the set keeps its last good \
                applications (its condition says why). --force-delete lets one listing remove more \
                than maxDeletePercent of the set's applications (with deleteApplications: true, \
                their resources are deleted).

                Example:
                  bosun appsets sync services
                  bosun appsets sync services --force-delete
                """)
        @Argument(help: "The application set.") var name: String
        @Flag(help: "Remove applications even beyond maxDeletePercent.") var forceDelete = false
        @OptionGroup var server: ServerOptions
        @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

        func run() async throws {
            let body: JSONObject = forceDelete ? ["forceDelete": true] : [:]
            let set: ApplicationSetStatus = try await server.client().post("/api/v1/applicationsets/\(APIClient.path(name))/sync", body: .object(body))
            if output == .json {
                print(Format.json(set))
            } else {
                print("\(set.name): \(plural(set.applications.count, "application")) (\(set.applications.joined(separator: ", ")))")
                if let condition = set.condition { Console.error("\(set.name): \(condition.type): \(condition.message)") }
            }
            if let condition = set.condition, condition.type == "DeleteRefused" || condition.type == "GeneratorFailed" {
                throw ExitCode(1)
            }
        }
    }

    static func describe(_ generator: GeneratorStatus) -> String {
        switch generator.type {
        case "directories", "files":
            "\(generator.type) \(generator.repository ?? "?"):\((generator.include ?? []).joined(separator: ","))"
        case "matrix":
            "matrix(" + (generator.generators ?? []).map(describe).joined(separator: " × ") + ")"
        default:
            "list(\(generator.result?.entries ?? 0))"
        }
    }
}
