import BosunCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Building HTTP responses the way the API server sends them.
enum Responses {
    static let jsonContentType = "application/json"

    static func json(_ buffer: ByteBuffer, status: Int = 200, contentType: String = jsonContentType) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache, private"
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func json(_ value: JSONValue, status: Int = 200, contentType: String = jsonContentType) -> Response {
        json(JSONEncoding.buffer(value), status: status, contentType: contentType)
    }

    /// A failure as a `Status` body with its code; 429 carries `Retry-After`.
    static func error(_ error: APIError) -> Response {
        var response = json(error.status, status: error.code)
        if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    /// The `Status` a delete answers with when the object is gone and the kind does not return it.
    static func deletedStatus(_ stored: StoredObject, type: ResourceType) -> JSONValue {
        var details: JSONObject = ["name": .string(stored.name)]
        if !type.group.isEmpty { details["group"] = .string(type.group) }
        details["kind"] = .string(type.plural)
        details["uid"] = .string(stored.uid)
        return ["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()), "status": "Success", "details": .object(details)]
    }

    /// An object's JSON for a client that asked for `version` (the stored bytes when it matches).
    static func objectBuffer(_ stored: StoredObject, apiVersion: String) -> ByteBuffer {
        if stored.object["apiVersion"]?.stringValue == apiVersion { return stored.json }
        var object = stored.object
        object["apiVersion"] = .string(apiVersion)
        return JSONEncoding.buffer(.object(object))
    }

    /// A list body: `{"kind":"<Kind>List","apiVersion":...,"metadata":{...},"items":[...]}`. Items of
    /// built-in kinds leave out their kind and apiVersion, as the real server's typed lists do.
    static func list(_ result: ListResult, type: ResourceType, apiVersion: String) -> ByteBuffer {
        let capacity = result.items.reduce(128) { $0 + $1.json.readableBytes }
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        buffer.writeStaticString("{\"kind\":")
        JSONEncoding.writeString(type.listKind, into: &buffer)
        buffer.writeStaticString(",\"apiVersion\":")
        JSONEncoding.writeString(apiVersion, into: &buffer)
        buffer.writeStaticString(",\"metadata\":")
        JSONEncoding.write(.object(listMetadata(result)), into: &buffer)
        buffer.writeStaticString(",\"items\":[")
        for (i, item) in result.items.enumerated() {
            if i > 0 { buffer.writeStaticString(",") }
            if type.isCustom {
                var bytes = objectBuffer(item, apiVersion: apiVersion)
                buffer.writeBuffer(&bytes)
            } else {
                writeWithoutTypeMeta(item, into: &buffer)
            }
        }
        buffer.writeStaticString("]}")
        return buffer
    }

    static func listMetadata(_ result: ListResult) -> JSONObject {
        var metadata: JSONObject = ["resourceVersion": .string(String(result.resourceVersion))]
        if let token = result.continueToken { metadata["continue"] = .string(token) }
        if let remaining = result.remainingItemCount { metadata["remainingItemCount"] = .int(remaining) }
        return metadata
    }

    /// The stored JSON without its leading `"kind":...,"apiVersion":...,` members.
    static func writeWithoutTypeMeta(_ item: StoredObject, into buffer: inout ByteBuffer) {
        var typeMeta = ByteBufferAllocator().buffer(capacity: 64)
        typeMeta.writeStaticString("{\"kind\":")
        JSONEncoding.writeString(item.object["kind"]?.stringValue ?? "", into: &typeMeta)
        typeMeta.writeStaticString(",\"apiVersion\":")
        JSONEncoding.writeString(item.object["apiVersion"]?.stringValue ?? "", into: &typeMeta)
        typeMeta.writeStaticString(",")
        let prefix = typeMeta.readableBytes
        if item.json.readableBytes > prefix,
            item.json.getSlice(at: item.json.readerIndex, length: prefix) == typeMeta
        {
            buffer.writeStaticString("{")
            if var rest = item.json.getSlice(at: item.json.readerIndex + prefix, length: item.json.readableBytes - prefix) {
                buffer.writeBuffer(&rest)
            }
        } else {
            var whole = item.json
            buffer.writeBuffer(&whole)
        }
    }
}
