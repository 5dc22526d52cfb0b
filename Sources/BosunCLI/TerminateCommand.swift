import ArgumentParser
import BosunCore

struct TerminateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terminate",
        abstract: "Stop the running sync of an application.",
        discussion: """
            The sync stops between two steps (what it applied stays applied) and is recorded as \
            Terminated: no SyncFail hook runs, it is not retried, and auto-rollback does not act. \
            The commit is synced again only when a newer one arrives or someone runs `bosun sync`. \
            Waits until the sync has stopped; exits 1 when no sync is running.

            Example:
              bosun terminate guestbook
            """)

    @Argument(help: "The application.") var app: String
    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let client = try server.client()
        let started: SyncCommand.Started = try await client.post("/api/v1/applications/\(APIClient.path(app))/terminate")
        if output != .json {
            print("asked sync #\(started.id) of \(app) to stop")
            Console.flush()
        }
        while true {
            let detail: SyncDetail = try await client.get("/api/v1/applications/\(APIClient.path(app))/history/\(started.id)")
            if detail.sync.result != .running {
                print(output == .json ? Format.json(detail.sync) : "sync #\(started.id) \(detail.sync.result.rawValue): \(detail.sync.message)")
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
