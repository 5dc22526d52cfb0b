import BosunCore
import BosunEngine
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /api/v1/events/stream?app=`: the engine's events as server-sent events, one `data:`
/// JSON object each (with its `id:`, so a browser resuming with `Last-Event-ID` gets what it
/// missed), filtered by application, with a keep-alive comment so proxies keep it open.
struct EventStream: Sendable {
    let engine: Engine
    let keepAlive: Duration

    func response(for request: Request) async -> Response {
        let app: String?
        let resumeAfter: Int64?
        do {
            app = try QueryParameters.single(request, "app").flatMap { $0.isEmpty ? nil : $0 }
            if let app { _ = try await engine.status(app) }
            resumeAfter = try Self.lastEventID(request)
        } catch {
            return APIResponse.error(error)
        }
        // Subscribe before reading the backlog, so nothing falls between the two.
        let events = await engine.subscribe()
        let backlog: [EventRecord] = if let resumeAfter { (try? await engine.events(app: app, after: resumeAfter)) ?? [] } else { [] }
        let keepAlive = self.keepAlive
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 3000\n: connected to bosun\(app.map { " (\($0))" } ?? "")\n\n"))
            var lastSent = resumeAfter ?? 0
            for event in backlog {
                try await writer.write(Self.frame(event))
                lastSent = max(lastSent, event.id)
            }
            let items = Self.merge(events, keepAlive: keepAlive)
            defer { items.stop() }
            // Ends when the engine stops or the server shuts down gracefully (an open stream would
            // hold it up), or with an error once the client has gone.
            for await item in items.stream.cancelOnGracefulShutdown() {
                switch item {
                case .event(let event):
                    guard event.id > lastSent || event.id == 0, app == nil || event.app == app else { continue }
                    lastSent = max(lastSent, event.id)
                    try await writer.write(Self.frame(event))
                case .keepAlive:
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", field("X-Accel-Buffering"): "no",
        ], body: body)
    }

    /// `Last-Event-ID`: the id of the last event the client saw, a whole number.
    static func lastEventID(_ request: Request) throws -> Int64? {
        guard let text = request.headers[field("Last-Event-ID")]?.trimmingCharacters(in: .whitespaces) else { return nil }
        guard let id = Int64(text) else {
            throw APIError(status: .badRequest, code: "InvalidHeader", message: "Last-Event-ID must be the id of an event (a whole number), not \"\(text.prefix(40))\"")
        }
        return id
    }

    static func frame(_ event: EventRecord) -> ByteBuffer {
        let json = (try? JSONEncoder.bosun.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return ByteBuffer(string: "id: \(event.id)\ndata: \(json)\n\n")
    }

    enum Item: Sendable {
        case event(EventRecord)
        case keepAlive
    }

    /// Engine events and keep-alive ticks in one stream; `stop()` ends both.
    struct Merged: Sendable {
        let stream: AsyncStream<Item>
        let tasks: [Task<Void, Never>]
        func stop() { for task in tasks { task.cancel() } }
    }

    static func merge(_ events: AsyncStream<EventRecord>, keepAlive: Duration) -> Merged {
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        let forward = Task {
            for await event in events { continuation.yield(.event(event)) }
            continuation.finish()
        }
        let tick = Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: keepAlive) } catch { break }
                continuation.yield(.keepAlive)
            }
        }
        continuation.onTermination = { _ in
            forward.cancel()
            tick.cancel()
        }
        return Merged(stream: stream, tasks: [forward, tick])
    }
}
