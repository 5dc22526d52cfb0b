import BosunCore
import HTTPTypes
import Hummingbird
import NIOCore

/// A watch as the API server streams it: a chunked response of newline-separated
/// `{"type":...,"object":...}` events, with BOOKMARKs when asked for, ending at `timeoutSeconds`
/// (or when the simulator drops watches).
struct WatchResponse {
    let core: SimulatorCore
    let type: ResourceType
    let apiVersion: String
    let asTable: Bool
    let includeObject: String?
    let bookmarks: Bool
    let timeoutSeconds: Int?

    func response(_ subscription: WatchSubscription) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = asTable ? TableConvertor.contentType : Responses.jsonContentType
        headers[.cacheControl] = "no-cache, private"
        let lifetime = [timeoutSeconds.map(Double.init), core.faults.watchLifetimeSeconds].compactMap { $0 }.min()
        let bookmarkInterval = bookmarks ? core.options.bookmarkIntervalSeconds : nil
        let encoder = self
        let body = ResponseBody { writer in
            defer { subscription.stop() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let lifetime {
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(Int(lifetime * 1000)))
                        subscription.stop()
                    }
                }
                if let bookmarkInterval {
                    group.addTask {
                        while true {
                            try await Task.sleep(for: .milliseconds(Int(bookmarkInterval * 1000)))
                            subscription.bookmark()
                        }
                    }
                }
                for await event in subscription.events {
                    if event.type == .bookmark && !bookmarks && !event.initialEventsEnd { continue }
                    try await writer.write(encoder.line(for: event))
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// One event line.
    func line(for event: WatchEvent) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: (event.object?.json.readableBytes ?? 128) + 48)
        buffer.writeStaticString("{\"type\":\"")
        buffer.writeString(event.type.rawValue)
        buffer.writeStaticString("\",\"object\":")
        switch event.type {
        case .error:
            JSONEncoding.write((event.error ?? APIError.internalError("watch failed")).status, into: &buffer)
        case .bookmark:
            var metadata: JSONObject = ["resourceVersion": .string(String(event.resourceVersion)), "creationTimestamp": .null]
            if event.initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
            JSONEncoding.write(["kind": .string(type.kind), "apiVersion": .string(apiVersion), "metadata": .object(metadata)], into: &buffer)
        default:
            guard let object = event.object else { break }
            if asTable {
                let table = TableConvertor.table([object], type: type, resourceVersion: event.resourceVersion, includeObject: includeObject)
                JSONEncoding.write(table, into: &buffer)
            } else {
                var bytes = Responses.objectBuffer(object, apiVersion: apiVersion)
                buffer.writeBuffer(&bytes)
            }
        }
        buffer.writeStaticString("}\n")
        return buffer
    }
}
