/// A position in HCL source: 1-based line and column, as HCL reports them.
public struct HCLPosition: Sendable, Hashable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// A span of HCL source, printed the way HCL prints it: `input.hcl:5,3-9` or `input.hcl:5,3-6,1`.
public struct HCLRange: Sendable, Hashable, CustomStringConvertible {
    public var filename: String
    public var start: HCLPosition
    public var end: HCLPosition

    public init(filename: String, start: HCLPosition, end: HCLPosition) {
        self.filename = filename
        self.start = start
        self.end = end
    }

    public var description: String {
        if start.line == end.line {
            return "\(filename):\(start.line),\(start.column)-\(end.column)"
        }
        return "\(filename):\(start.line),\(start.column)-\(end.line),\(end.column)"
    }

    /// The range from the start of `self` to the end of `other`.
    func through(_ other: HCLRange) -> HCLRange {
        HCLRange(filename: filename, start: start, end: other.end)
    }
}

/// One problem found in HCL source, worded like HCL's own diagnostics ("Summary; Detail").
public struct HCLDiagnostic: Error, Sendable, CustomStringConvertible {
    public var range: HCLRange
    public var summary: String
    public var detail: String

    public init(_ range: HCLRange, _ summary: String, _ detail: String) {
        self.range = range
        self.summary = summary
        self.detail = detail
    }

    public var description: String { "\(range): \(summary); \(detail)" }
}

/// Several diagnostics, printed as HCL does: the first, then how many others there were.
public struct HCLDiagnostics: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [HCLDiagnostic]

    public init(_ diagnostics: [HCLDiagnostic]) { self.diagnostics = diagnostics }

    public var description: String {
        guard let first = diagnostics.first else { return "no diagnostics" }
        if diagnostics.count == 1 { return first.description }
        return "\(first.description), and \(diagnostics.count - 1) other diagnostic(s)"
    }
}
