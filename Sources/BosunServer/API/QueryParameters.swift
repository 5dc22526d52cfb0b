import Hummingbird

/// Query parameters read as the API document declares them: a value of the wrong type, out of
/// range or given twice is a 400 that names the parameter, never silently clamped.
enum QueryParameters {
    static func single(_ request: Request, _ name: String) throws -> String? {
        let values = request.uri.queryParameters.getAll(name)
        guard values.count <= 1 else {
            throw APIError(status: .badRequest, code: "InvalidParameter", message: "query parameter \(name) is given \(values.count) times; give it once")
        }
        return values.first.map { String($0) }
    }

    /// An integer in `range`, or `fallback` when absent.
    static func integer(_ request: Request, _ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = try single(request, name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(status: .badRequest, code: "InvalidParameter",
                           message: "query parameter \(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text.prefix(40))\"")
        }
        return value
    }

    /// `true` or `false`, or `fallback` when absent.
    static func boolean(_ request: Request, _ name: String, default fallback: Bool) throws -> Bool {
        guard let text = try single(request, name) else { return fallback }
        switch text {
        case "true": return true
        case "false": return false
        default:
            throw APIError(status: .badRequest, code: "InvalidParameter", message: "query parameter \(name) must be true or false, not \"\(text.prefix(40))\"")
        }
    }
}
