import AsyncHTTPClient
import BosunCore
import BosunTesting
import Foundation
import NIOCore
import Testing

/// `/api/v1/events/stream` over a real socket, read the way `EventSource` reads it.
@Suite(.onEveryStore) struct EventStreamTests {
    /// Reads server-sent events: `data:` payloads, ids and comments, as they arrive.
    final class SSEReader: @unchecked Sendable {
        private let lock = NSLock()
        private var buffer = ""
        private(set) var contentType: String?

        var text: String { lock.withLock { buffer } }

        /// Every complete event's `data:` JSON, in order.
        var events: [JSONValue] {
            text.components(separatedBy: "\n\n").flatMap { block in
                block.split(separator: "\n").filter { $0.hasPrefix("data: ") }.compactMap { try? JSONParser.parse(String($0.dropFirst(6))) }
            }
        }

        func connect(_ url: String, headers: [String: String] = [:]) -> Task<Void, any Error> {
            Task {
                var request = HTTPClientRequest(url: url)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
                lock.withLock { contentType = response.headers.first(name: "content-type") }
                for try await chunk in response.body {
                    let piece = String(buffer: chunk)
                    lock.withLock { buffer += piece }
                }
            }
        }
    }

    @Test func theStreamCarriesOneApplicationsEventsAsTheyHappen() async throws {
        let h = try await ServerHarness(apps: [("left", "repo", "main"), ("right", "repo", "main")], auto: false, keepAlive: .milliseconds(200))
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.withLiveServer { base in
            let reader = SSEReader()
            let connection = reader.connect(base + "/api/v1/events/stream?app=left")
            defer { connection.cancel() }
            try await eventually("connected") { reader.text.contains(": connected") }
            #expect(reader.contentType?.hasPrefix("text/event-stream") == true)

            _ = try await h.engine.sync("right", .init())
            _ = try await h.engine.sync("left", .init())
            try await eventually("left's sync succeeded on the stream") {
                reader.events.contains { $0["reason"]?.stringValue == "SyncSucceeded" }
            }
            let events = reader.events
            #expect(events.allSatisfy { $0["app"]?.stringValue == "left" })
            #expect(events.contains { $0["reason"]?.stringValue == "SyncStarted" })
            // Each event carries its id, and idle time brings keep-alive comments.
            #expect(reader.text.contains("id: \(events.last?["id"]?.intValue ?? -1)\n"))
            try await eventually("a keep-alive") { reader.text.contains(": keep-alive") }
        }
    }

    @Test func aReconnectingClientGetsWhatItMissed() async throws {
        let h = try await ServerHarness(auto: false, keepAlive: .milliseconds(200))
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        let before = try await h.engine.events(app: "app", limit: 1).first?.id ?? 0
        _ = try await h.engine.sync("app", .init())
        try await h.waitForSyncs(1)
        try await h.withLiveServer { base in
            let reader = SSEReader()
            let connection = reader.connect(base + "/api/v1/events/stream?app=app", headers: ["Last-Event-ID": "\(before)"])
            defer { connection.cancel() }
            try await eventually("the missed events") { reader.events.contains { $0["reason"]?.stringValue == "SyncSucceeded" } }
            let ids = reader.events.compactMap { $0["id"]?.intValue }
            #expect(ids == ids.sorted() && ids.allSatisfy { $0 > before })
        }
    }

    @Test func anUnknownApplicationIsA404() async throws {
        let h = try await ServerHarness()
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.withLiveServer { base in
            let reply = try await HTTP.request(.GET, base + "/api/v1/events/stream?app=nope")
            #expect(reply.status == 404)
            #expect(reply.json?[path: ["error", "code"]]?.stringValue == "NotFound")
        }
    }
}
