import AsyncHTTPClient
import BosunCore
import Foundation
import NIOCore

/// One event of a watch.
public enum WatchEvent: Sendable {
    case added(Resource)
    case modified(Resource)
    case deleted(Resource)
    /// Nothing changed, but the watch has seen up to this resource version.
    case bookmark(resourceVersion: String)
}

/// Why a watch stopped in a way the watcher must handle.
public enum WatchError: Error, Sendable {
    /// The resource version is too old (410 Gone): list again.
    case gone
}

/// Reads a watch response: newline-delimited JSON events, split across body chunks as the
/// server flushes them.
enum WatchStream {
    static func events(_ request: APIRequest, resource: APIResource, transport: HTTPTransport) -> AsyncThrowingStream<WatchEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await transport.stream(request)
                    var pending: [UInt8] = []
                    for try await chunk in response.body {
                        pending.append(contentsOf: chunk.readableBytesView)
                        // Hand over every complete line, then drop them in one go.
                        var start = pending.startIndex
                        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                            if let event = try decode(Array(pending[start..<newline]), resource: resource) { continuation.yield(event) }
                            start = newline + 1
                        }
                        pending.removeSubrange(..<start)
                    }
                    if let event = try decode(pending, resource: resource) { continuation.yield(event) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func decode(_ line: [UInt8], resource: APIResource) throws -> WatchEvent? {
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { return nil }
        let value = try JSONParser.parse(Data(line))
        guard let type = value["type"]?.stringValue, let object = value["object"] else {
            throw TargetError(.transient, "a watch of \(resource.qualifiedName) sent an event without type or object")
        }
        switch type {
        case "ADDED", "MODIFIED", "DELETED":
            guard var item = Resource(object) else { return nil }
            if item.apiVersion.isEmpty { item.body["apiVersion"] = .string(resource.apiVersion) }
            if item.kind.isEmpty { item.body["kind"] = .string(resource.kind) }
            return type == "ADDED" ? .added(item) : type == "MODIFIED" ? .modified(item) : .deleted(item)
        case "BOOKMARK":
            return .bookmark(resourceVersion: object["metadata"]?["resourceVersion"]?.stringValue ?? "")
        case "ERROR":
            if object["code"]?.intValue == 410 || object["reason"]?.stringValue == "Expired" || object["reason"]?.stringValue == "Gone" {
                throw WatchError.gone
            }
            let message = object["message"]?.stringValue ?? "no message"
            throw TargetError(.transient, "the watch of \(resource.qualifiedName) failed: \(message)")
        default:
            return nil
        }
    }
}
