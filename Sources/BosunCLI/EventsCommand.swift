import ArgumentParser
import AsyncHTTPClient
import BosunCore
import Foundation
import NIOCore

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show what happened: syncs, drift, health changes, rollbacks, restarts.",
        discussion: """
            Newest last. --follow keeps printing events as they happen (the server's event stream).

            Example:
              bosun events
              bosun events guestbook --follow
              bosun events -o json --limit 500
            """)

    @Argument(help: "Only this application's events.") var app: String?
    @Option(help: "How many of the latest events.") var limit = 50
    @Flag(name: [.short, .long], help: "Keep printing new events.") var follow = false
    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let client = try server.client()
        var query = "?limit=\(limit)"
        if let app { query += "&app=\(APIClient.path(app))" }
        let events: [EventRecord] = try await client.get("/api/v1/events\(query)")
        if output == .json && !follow {
            print(Format.json(events))
            return
        }
        for event in events.reversed() { show(event) }
        guard follow else { return }
        var request = HTTPClientRequest(url: client.base + "/api/v1/events/stream" + (app.map { "?app=\(APIClient.path($0))" } ?? ""))
        if let token = client.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response = try await client.http.execute(request, timeout: .hours(24 * 365))
        guard response.status.code == 200 else { throw CLIError("the event stream answered HTTP \(response.status.code)") }
        var pending = ""
        for try await buffer in response.body {
            pending += String(buffer: buffer)
            while let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending = String(pending[pending.index(after: newline)...])
                guard line.hasPrefix("data:") else { continue }
                let payload = Data(line.dropFirst(5).trimmingCharacters(in: .whitespaces).utf8)
                if let event = try? JSONDecoder.bosun.decode(EventRecord.self, from: payload) { show(event) }
            }
        }
    }

    func show(_ event: EventRecord) {
        if output == .json {
            print(String(decoding: (try? JSONEncoder.bosun.encode(event)) ?? Data(), as: UTF8.self))
            return
        }
        let color = Console.isTerminal
        let type = event.type == .warning ? Color.paint("Warning", "33", enabled: color) : "Normal "
        print("\(ISO8601.format(event.time))  \(type)  \(event.app ?? "-")  \(event.reason): \(event.message)")
        Console.flush()
    }
}
