import Foundation

/// `applicationSets[]`: applications generated from a repository's folders or files, or from a
/// list, by filling a template with each entry's parameters.
public struct ApplicationSetSpec: Sendable, Hashable {
    public static let defaultMaxApplications = 1000
    public static let defaultMaxDeletePercent = 50

    public var name: String
    public var generators: [GeneratorSpec]
    /// The application template as written (placeholders included), as JSON.
    public var template: JSONObject
    /// Whether an application whose entry is gone has its resources deleted (as `pruneOnDelete`).
    public var deleteApplications: Bool
    /// A listing that would remove more than this share of the set's applications at once is refused.
    public var maxDeletePercent: Int
    /// A listing that generates more applications than this is refused.
    public var maxApplications: Int
    /// Where the set is declared, for messages: `bosun.yaml:12:5`, or an included file at a commit.
    public var origin: DefinitionOrigin

    public init(name: String, generators: [GeneratorSpec], template: JSONObject, deleteApplications: Bool = false,
                maxDeletePercent: Int = ApplicationSetSpec.defaultMaxDeletePercent,
                maxApplications: Int = ApplicationSetSpec.defaultMaxApplications, origin: DefinitionOrigin) {
        self.name = name
        self.generators = generators
        self.template = template
        self.deleteApplications = deleteApplications
        self.maxDeletePercent = maxDeletePercent
        self.maxApplications = maxApplications
        self.origin = origin
    }
}

/// One generator of a set.
public indirect enum GeneratorSpec: Sendable, Hashable {
    /// Every folder matching the globs: `{{path}}`, `{{path.basename}}`, `{{path.segments[N]}}`.
    case directories(GitGeneratorSpec)
    /// Every file matching the globs, its YAML/JSON keys flattened into parameters, plus
    /// `{{path}}` (its folder), `{{path.basename}}`, `{{path.filename}}`.
    case files(GitGeneratorSpec)
    /// The entries as written, their keys as parameters.
    case list([[String: String]])
    /// Every combination of the generators' entries, parameters merged.
    case matrix([GeneratorSpec])

    /// directories, files, list or matrix.
    public var type: String {
        switch self {
        case .directories: "directories"
        case .files: "files"
        case .list: "list"
        case .matrix: "matrix"
        }
    }

    /// The Git listing this generator reads, when it reads one.
    public var git: GitGeneratorSpec? {
        switch self {
        case .directories(let g), .files(let g): g
        case .list, .matrix: nil
        }
    }

    /// Every generator that lists Git, this one or those inside it.
    public var gitListings: [GeneratorSpec] {
        switch self {
        case .directories, .files: [self]
        case .list: []
        case .matrix(let children): children.flatMap(\.gitListings)
        }
    }
}

/// A listing of a repository at a revision, filtered by globs (`*` one path segment, `**`
/// several; exclude wins over include; folders starting with `.` are skipped).
public struct GitGeneratorSpec: Sendable, Hashable {
    public var repository: String
    public var revision: RevisionSpec
    public var include: [String]
    public var exclude: [String]

    public init(repository: String, revision: RevisionSpec = .ref("HEAD"), include: [String], exclude: [String] = []) {
        self.repository = repository
        self.revision = revision
        self.include = include
        self.exclude = exclude
    }
}

/// `include[]`: files of `kind: Applications` read from a repository at a revision.
public struct IncludeSpec: Sendable, Hashable {
    public var repository: String
    public var revision: RevisionSpec
    /// A glob of files (`bosun/*.yaml`), relative to the repository root.
    public var path: String

    public init(repository: String, revision: RevisionSpec = .ref("HEAD"), path: String) {
        self.repository = repository
        self.revision = revision
        self.path = path
    }

    /// `platform:bosun/*.yaml@main`, for messages.
    public var label: String { "\(repository):\(path)@\(revision)" }
}

/// Where a definition was written: a line of the local config, or of a file in Git at a commit.
public struct DefinitionOrigin: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// For a file read from Git: the repository's name and the commit.
    public var repository: String?
    public var commit: String?

    public init(file: String, line: Int, column: Int, repository: String? = nil, commit: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.repository = repository
        self.commit = commit
    }

    public var description: String {
        if let repository, let commit { return "\(repository):\(file):\(line):\(column) at \(commit.prefix(7))" }
        return "\(file):\(line):\(column)"
    }
}

/// The definitions of an included file (`kind: Applications`).
public struct IncludedDefinitions: Sendable, Hashable {
    public var applications: [ApplicationSpec]
    public var applicationSets: [ApplicationSetSpec]
    /// Where each application is written, by name.
    public var origins: [String: DefinitionOrigin]
    /// Health rules per kind (`healthRules:`), as the local config declares them.
    public var healthRules: [HealthRuleSet]

    public init(applications: [ApplicationSpec] = [], applicationSets: [ApplicationSetSpec] = [], origins: [String: DefinitionOrigin] = [:],
                healthRules: [HealthRuleSet] = []) {
        self.applications = applications
        self.applicationSets = applicationSets
        self.origins = origins
        self.healthRules = healthRules
    }
}
