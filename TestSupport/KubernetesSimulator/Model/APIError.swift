import BosunCore

/// A failed API request, carried as the `Status` object the real API server answers with:
/// `reason`, `code`, `message` and `details` shaped as `k8s.io/apimachinery/pkg/api/errors` makes them.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status code (404, 409, 410, 422, 403...).
    public var code: Int
    /// The machine-readable reason (`NotFound`, `Conflict`, `Expired`, `Invalid`, `Forbidden`...).
    public var reason: String
    public var message: String
    /// `details` as the server sends it (name, group, kind, uid, causes, retryAfterSeconds); nil for none.
    public var details: JSONObject?

    public init(code: Int, reason: String, message: String, details: JSONObject? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// Seconds a client should wait, for 429 answers.
    public var retryAfterSeconds: Int? { details?["retryAfterSeconds"]?.intValue }

    /// The `Status` object for the response body.
    public var status: JSONValue {
        var object: JSONObject = ["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject())]
        object["status"] = "Failure"
        object["message"] = .string(message)
        if !reason.isEmpty { object["reason"] = .string(reason) }
        if let details { object["details"] = .object(details) }
        object["code"] = .int(code)
        return .object(object)
    }

    static func details(name: String? = nil, group: String? = nil, kind: String? = nil) -> JSONObject {
        var d = JSONObject()
        if let name, !name.isEmpty { d["name"] = .string(name) }
        if let group, !group.isEmpty { d["group"] = .string(group) }
        if let kind, !kind.isEmpty { d["kind"] = .string(kind) }
        return d
    }

    // MARK: The errors the server answers with

    public static func notFound(_ resource: GroupResource, _ name: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "\(resource) \"\(name)\" not found",
            details: details(name: name, group: resource.group, kind: resource.resource))
    }

    /// A path no collection answers to.
    static func pathNotFound() -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "the server could not find the requested resource",
            details: JSONObject())
    }

    public static func alreadyExists(_ resource: GroupResource, _ name: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists", message: "\(resource) \"\(name)\" already exists",
            details: details(name: name, group: resource.group, kind: resource.resource))
    }

    /// An optimistic-concurrency failure: the request named a resourceVersion that is no longer current.
    public static func conflict(_ resource: GroupResource, _ name: String, _ reason: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on \(resource) \"\(name)\": \(reason)",
            details: details(name: name, group: resource.group, kind: resource.resource))
    }

    static func modified(_ resource: GroupResource, _ name: String) -> APIError {
        conflict(resource, name, "the object has been modified; please apply your changes to the latest version and try again")
    }

    public static func forbidden(_ resource: GroupResource, _ name: String, _ reason: String) -> APIError {
        let subject = name.isEmpty ? "\(resource)" : "\(resource) \"\(name)\""
        return APIError(
            code: 403, reason: "Forbidden", message: "\(subject) is forbidden: \(reason)",
            details: details(name: name, group: resource.group, kind: resource.resource))
    }

    public static func expired(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    public static func invalid(_ kind: GroupKind, _ name: String, _ errors: [FieldError]) -> APIError {
        var d = details(name: name, group: kind.group, kind: kind.kind)
        d["causes"] = .array(errors.map { $0.cause })
        let summary = errors.count == 1
            ? errors[0].description : "[" + errors.map(\.description).joined(separator: ", ") + "]"
        return APIError(code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(summary)", details: d)
    }

    public static func methodNotSupported(_ resource: GroupResource, _ action: String) -> APIError {
        APIError(
            code: 405, reason: "MethodNotAllowed",
            message: "\(action) is not supported on resources of kind \"\(resource)\"",
            details: details(group: resource.group, kind: resource.resource))
    }

    public static func unsupportedMediaType(_ contentType: String, supported: [String]) -> APIError {
        APIError(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: "
                + supported.joined(separator: ", "))
    }

    public static func internalError(_ cause: String) -> APIError {
        APIError(
            code: 500, reason: "InternalError", message: "Internal error occurred: \(cause)",
            details: ["causes": [["message": .string(cause)]]])
    }

    public static func tooManyRequests(retryAfterSeconds: Int) -> APIError {
        APIError(
            code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
            details: ["retryAfterSeconds": .int(retryAfterSeconds)])
    }

    /// An error that is not an API status (a typed-object conversion failure): the server sends
    /// it as a 500 whose reason is unknown, so clients print the message as it is.
    static func unknown(_ message: String) -> APIError {
        APIError(code: 500, reason: "", message: message)
    }

    public static func unauthorized() -> APIError {
        APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
    }
}

/// One problem with one field, as `k8s.io/apimachinery/pkg/util/validation/field` reports it.
public struct FieldError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case duplicate = "FieldValueDuplicate"
        case tooLong = "FieldValueTooLong"
    }

    public var kind: Kind
    /// The field path as validation writes it: `spec.template.spec.containers[0].image`.
    public var field: String
    public var value: JSONValue?
    public var detail: String

    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(kind: .required, field: field, value: nil, detail: detail)
    }

    public static func invalid(_ field: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(kind: .invalid, field: field, value: value, detail: detail)
    }

    public static func notSupported(_ field: String, _ value: JSONValue, _ supported: [String]) -> FieldError {
        FieldError(
            kind: .notSupported, field: field, value: value,
            detail: "supported values: " + supported.map { "\"\($0)\"" }.joined(separator: ", "))
    }

    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(kind: .forbidden, field: field, value: nil, detail: detail)
    }

    public static func duplicate(_ field: String, _ value: JSONValue) -> FieldError {
        FieldError(kind: .duplicate, field: field, value: value, detail: "")
    }

    /// What follows the field name: `Required value`, `Invalid value: "x": must be ...`.
    var body: String {
        let head: String
        switch kind {
        case .required: head = "Required value"
        case .invalid: head = "Invalid value: \(Self.render(value ?? .null))"
        case .notSupported: head = "Unsupported value: \(Self.render(value ?? .null))"
        case .forbidden: head = "Forbidden"
        case .duplicate: head = "Duplicate value: \(Self.render(value ?? .null))"
        case .tooLong: head = "Too long"
        }
        return detail.isEmpty ? head : "\(head): \(detail)"
    }

    public var description: String { field.isEmpty ? body : "\(field): \(body)" }

    var cause: JSONValue {
        ["reason": .string(kind.rawValue), "message": .string(body), "field": .string(field)]
    }

    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): "\"\(s)\""
        default: value.jsonString()
        }
    }
}
