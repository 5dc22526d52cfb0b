/// A render failure that names the file (and line, when known) and what is wrong.
public struct RenderError: Error, Sendable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var message: String

    public init(file: String? = nil, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        switch (file, line) {
        case (let f?, let l?): "\(f):\(l): \(message)"
        case (let f?, nil): "\(f): \(message)"
        default: message
        }
    }
}
