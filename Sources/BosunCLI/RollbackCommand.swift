import ArgumentParser
import BosunCore

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Sync an earlier commit and pin the application there.",
        discussion: """
            Without --to, goes back to the commit of the last successful sync before the current \
            one. Automatic syncs pause (the application is pinned) until `bosun unpin`.

            Example:
              bosun rollback guestbook
              bosun rollback guestbook --to 12          # a history id
              bosun rollback guestbook --to 3f2a9c1     # a commit
            """)

    @Argument(help: "The application.") var app: String
    @Option(help: "A history id or a commit.") var to: String?
    @Flag(help: "Return once the sync has started.") var async = false
    @Flag(help: "If a sync of the application is running, wait for it to end, then roll back.") var wait = false
    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let client = try server.client()
        var body: JSONObject = [:]
        if let to { body["to"] = .string(to) }
        let id = try await SyncStarter(client: client, app: app, wait: wait, quiet: output == .json).start("rollback", body: .object(body))
        try await SyncFollower(client: client, app: app, syncID: id, json: output == .json, detach: async).follow()
        if output != .json { print("\(app) is pinned; `bosun unpin \(app)` resumes automatic syncs") }
    }
}

struct UnpinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpin",
        abstract: "Resume automatic syncs of a pinned application.",
        discussion: "Example:\n  bosun unpin guestbook")

    @Argument(help: "The application.") var app: String
    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let status: ApplicationStatus = try await server.client().post("/api/v1/applications/\(APIClient.path(app))/unpin")
        print(output == .json ? Format.json(status) : "\(app) unpinned; automatic syncs resume")
    }
}

struct PinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Pause automatic syncs at a commit (the synced one by default).",
        discussion: "Example:\n  bosun pin guestbook\n  bosun pin guestbook --revision 3f2a9c1")

    @Argument(help: "The application.") var app: String
    @Option(help: "The commit to pin at.") var revision: String?
    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        var body: JSONObject = [:]
        if let revision { body["revision"] = .string(revision) }
        let status: ApplicationStatus = try await server.client().post("/api/v1/applications/\(APIClient.path(app))/pin", body: .object(body))
        print(output == .json ? Format.json(status) : "\(app) pinned at \(Format.short(status.pinnedRevision)); `bosun unpin \(app)` resumes automatic syncs")
    }
}

struct RefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Fetch Git and compare an application now, instead of at its next interval.",
        discussion: "Example:\n  bosun refresh guestbook")

    @Argument(help: "The application.") var app: String
    @OptionGroup var server: ServerOptions

    func run() async throws {
        let _: ApplicationStatus = try await server.client().post("/api/v1/applications/\(APIClient.path(app))/refresh")
        print("refresh of \(app) requested")
    }
}
