import ArgumentParser
import BosunCore
import Foundation

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync an application now and follow it to the end.",
        discussion: """
            Applies what Git declares (at --revision, or what the application tracks), wave by \
            wave, waits for health, prunes when allowed. Exits 0 when the sync succeeds, 1 when it \
            fails. --dry-run prints the plan and the diff and applies nothing.

            Example:
              bosun sync guestbook
              bosun sync guestbook --revision v1.4.2 --prune
              bosun sync guestbook --dry-run
            """)

    @Argument(help: "The application.") var app: String
    @Option(help: "A branch, tag or commit (default: what the application tracks).") var revision: String?
    @Flag(help: "Show what would change; apply nothing.") var dryRun = false
    @Flag(help: "Delete what Git no longer declares, even if the application does not prune.") var prune = false
    @Flag(help: "Prune even more than sync.maxPrunePercent of the application, or an empty render (implies --prune).")
    var forcePrune = false
    @Flag(help: "Return once the sync has started.") var async = false
    @Flag(help: "If a sync of the application is running, wait for it to end, then sync.") var wait = false
    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    struct Started: Decodable { var id: Int64 }

    func run() async throws {
        let client = try server.client()
        var body: JSONObject = [:]
        if let revision { body["revision"] = .string(revision) }
        if prune { body["prune"] = true }
        if forcePrune { body["forcePrune"] = true }
        if dryRun {
            body["dryRun"] = true
            let data = try await client.send(.POST, "/api/v1/applications/\(APIClient.path(app))/sync", body: .object(body))
            if output == .json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let value = try JSONParser.parse(data)
            print("Dry run of \(app) at \(Format.short(value["revision"]?.stringValue)): nothing applied.")
            let diff = value["diff"]?.stringValue ?? ""
            print(diff.isEmpty ? "No changes." : diff)
            return
        }
        let id = try await SyncStarter(client: client, app: app, wait: wait, quiet: output == .json).start("sync", body: .object(body))
        try await SyncFollower(client: client, app: app, syncID: id, json: output == .json, detach: async).follow()
    }
}

/// Starts a sync or rollback. One refused because a sync is running says which, and how to
/// go on; with `wait` it waits for that sync to end and asks again.
struct SyncStarter {
    let client: APIClient
    let app: String
    let wait: Bool
    let quiet: Bool

    func start(_ action: String, body: JSONValue) async throws -> Int64 {
        while true {
            do {
                let started: SyncCommand.Started = try await client.post("/api/v1/applications/\(APIClient.path(app))/\(action)", body: body)
                return started.id
            } catch let failure as APIClient.Failure where failure.status == 409 && failure.syncID != nil {
                let running = failure.syncID.map { "sync #\($0)" } ?? "a sync"
                guard wait else {
                    throw CLIError("\(running) of \(app) is running; add --wait to \(action) once it ends, or stop it with `bosun terminate \(app)`")
                }
                if !quiet {
                    print("waiting for \(running) of \(app) to end")
                    Console.flush()  // a pipe or a log sees it now, not at exit
                }
                try await waitUntilIdle()
            }
        }
    }

    private func waitUntilIdle() async throws {
        while true {
            let status: ApplicationStatus = try await client.get("/api/v1/applications/\(APIClient.path(app))")
            if status.operation == nil { return }
            try await Task.sleep(for: .milliseconds(300))
        }
    }
}

/// Follows a sync until it ends: a progress line on a terminal, plain lines elsewhere.
struct SyncFollower {
    let client: APIClient
    let app: String
    let syncID: Int64
    let json: Bool
    let detach: Bool

    func follow() async throws {
        if detach {
            if json { print(#"{"id": \#(syncID)}"#) } else { print("sync #\(syncID) of \(app) started") }
            return
        }
        let terminal = Console.isTerminal && !json
        if !json {
            print("sync #\(syncID) of \(app) started")
            Console.flush()
        }
        var lastLine = ""
        while true {
            let detail: SyncDetail = try await client.get("/api/v1/applications/\(APIClient.path(app))/history/\(syncID)")
            if detail.sync.result != .running {
                if terminal { print("\r\u{1B}[K", terminator: "") }
                if json {
                    print(Format.json(detail.sync))
                } else {
                    print("sync #\(syncID) \(detail.sync.result.rawValue) after \(Format.duration(detail.sync.startedAt, detail.sync.finishedAt))\(detail.sync.message.isEmpty ? "" : ": \(detail.sync.message)")")
                }
                if detail.sync.result != .succeeded { throw ExitCode(1) }
                return
            }
            if !json, let status: ApplicationStatus = try? await client.get("/api/v1/applications/\(APIClient.path(app))"),
                let op = status.operation, op.syncID == syncID
            {
                let line = "\(op.phase)\(op.wave.map { " wave \($0)" } ?? ""): \(op.done)/\(op.total) \(op.message)"
                if line != lastLine {
                    if terminal {
                        print("\r\u{1B}[K" + String(line.prefix(120)), terminator: "")
                        Console.flush()
                    } else {
                        print(line)
                        Console.flush()
                    }
                    lastLine = line
                }
            }
            try await Task.sleep(for: .milliseconds(300))
        }
    }
}
