import ArgumentParser
import BosunCore

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List an application's syncs, newest first (or show one with --id).",
        discussion: """
            Example:
              bosun history guestbook
              bosun history guestbook --id 12      # one sync: per-resource results and its diff
              bosun history guestbook -o json
            """)

    @Argument(help: "The application.") var app: String
    @Option(help: "Show one sync in full.") var id: Int64?
    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let client = try server.client()
        if let id {
            let detail: SyncDetail = try await client.get("/api/v1/applications/\(APIClient.path(app))/history/\(id)")
            if output == .json {
                print(Format.json(detail))
                return
            }
            let s = detail.sync
            print("Sync #\(s.id) \(s.result.rawValue) (\(s.trigger.rawValue)) of \(s.revision) \(s.subject ?? "")")
            print("Started \(ISO8601.format(s.startedAt)), took \(Format.duration(s.startedAt, s.finishedAt))\(s.message.isEmpty ? "" : ": \(s.message)")")
            var table = Table("PHASE", "WAVE", "RESOURCE", "ACTION", "RESULT", "MESSAGE")
            for r in detail.resources { table.add(r.phase, String(r.wave), r.key, r.action, r.result, r.message) }
            if !detail.resources.isEmpty { print("\n" + table.rendered) }
            if !detail.diff.isEmpty { print("\n" + detail.diff) }
            return
        }
        let history: [SyncSummary] = try await client.get("/api/v1/applications/\(APIClient.path(app))/history")
        if output == .json {
            print(Format.json(history))
            return
        }
        var table = Table("ID", "RESULT", "TRIGGER", "REVISION", "STARTED", "DURATION", "MESSAGE")
        for s in history {
            table.add(String(s.id), s.result.rawValue, s.trigger.rawValue, Format.short(s.revision), Format.ago(s.startedAt),
                      Format.duration(s.startedAt, s.finishedAt), s.message)
        }
        print(history.isEmpty ? "no syncs yet" : table.rendered)
    }
}
