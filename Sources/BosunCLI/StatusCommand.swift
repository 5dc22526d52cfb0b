import ArgumentParser
import BosunCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show one application: sync, health, commit, last sync and each resource.",
        discussion: """
            Example:
              bosun status guestbook
              bosun status guestbook -o json | jq .health.status
            """)

    @Argument(help: "The application.") var app: String
    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let status: ApplicationStatus = try await server.client().get("/api/v1/applications/\(APIClient.path(app))")
        if output == .json {
            print(Format.json(status))
            return
        }
        print(Self.describe(status, color: Console.isTerminal))
    }

    static func describe(_ s: ApplicationStatus, color: Bool) -> String {
        var lines: [String] = []
        func field(_ name: String, _ value: String) { lines.append(name.padding(toLength: 13, withPad: " ", startingAt: 0) + value) }
        field("Name:", s.name)
        field("Target:", s.target)
        var sync = Color.sync(s.sync.status, enabled: color) + " to \(Format.short(s.sync.revision))"
        if let target = s.sync.targetRevision, target != s.sync.revision { sync += " (Git wants \(Format.short(target)))" }
        field("Sync:", sync)
        field("Health:", Color.health(s.health.status, enabled: color) + (s.health.message.isEmpty ? "" : ": \(s.health.message)"))
        if let commit = s.commit { field("Commit:", "\(Format.short(commit.sha)) \(commit.subject) (\(commit.author), \(Format.ago(commit.date)))") }
        field("Source:", "\(s.repository) \(s.path) @ \(s.revisionSpec)")
        field("Auto-sync:", s.pinned ? "paused: pinned at \(Format.short(s.pinnedRevision)) (bosun unpin \(s.name))" : (s.autoSync ? "on" : "off"))
        if let last = s.lastSync {
            field("Last sync:", "#\(last.id) \(last.result.rawValue) (\(last.trigger.rawValue)) \(Format.short(last.revision)) \(Format.ago(last.finishedAt ?? last.startedAt))\(last.message.isEmpty ? "" : ": \(last.message)")")
        }
        if let op = s.operation {
            field("Running:", "sync #\(op.syncID): \(op.phase)\(op.wave.map { " wave \($0)" } ?? "") \(op.done)/\(op.total) \(op.message)")
        }
        if let condition = s.condition { field("Condition:", "\(condition.type): \(condition.message)") }
        if !s.resources.isEmpty {
            var table = Table("KIND", "NAMESPACE", "NAME", "SYNC", "HEALTH", "MESSAGE")
            for r in s.resources {
                table.add(r.kind, r.namespace, r.name, Color.sync(r.sync, enabled: color), Color.health(r.health.status, enabled: color), r.health.message)
            }
            lines.append("")
            lines.append(table.rendered)
        }
        return lines.joined(separator: "\n")
    }
}
