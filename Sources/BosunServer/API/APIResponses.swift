import BosunCore
import BosunEngine
import Foundation
import Hummingbird

/// JSON bodies and the `{"error": {"code", "message"}}` shape every failure uses.
enum APIResponse {
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONEncoder.bosun.encode(value)) ?? Data("null".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func raw(_ text: String, contentType: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            /// The running sync, on a 409.
            var syncId: Int64?
        }
        var error: Detail
    }

    static func error(_ status: HTTPResponse.Status, code: String, _ message: String, syncID: Int64? = nil) -> Response {
        json(ErrorBody(error: .init(code: code, message: message, syncId: syncID)), status: status)
    }

    /// Maps engine and other errors to their HTTP status.
    static func error(_ error: any Error) -> Response {
        if let e = error as? EngineError {
            switch e.code {
            case .notFound: return self.error(.notFound, code: "NotFound", e.message)
            case .conflict: return self.error(.conflict, code: "Conflict", e.message, syncID: e.syncID)
            case .invalid: return self.error(.unprocessableContent, code: "Invalid", e.message)
            case .unavailable: return self.error(.serviceUnavailable, code: "Unavailable", e.message)
            }
        }
        if let e = error as? APIError { return self.error(e.status, code: e.code, e.message) }
        if let e = error as? HTTPError { return self.error(e.status, code: "HTTP\(e.status.code)", e.body ?? "\(e.status)") }
        return self.error(.internalServerError, code: "Internal", "\(error)")
    }
}

/// A request the API refuses, with the status and a message naming what is wrong.
struct APIError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String
}
