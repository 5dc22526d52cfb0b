import Foundation

/// An application set as `bosun appsets -o json` and `GET /api/v1/applicationsets[/NAME]` show
/// it. The field names are a contract.
public struct ApplicationSetStatus: Sendable, Codable, Hashable {
    public var name: String
    /// Where it is declared: `bosun.yaml:12:5`, or `platform:bosun/apps.yaml:3:5 at 1234567`.
    public var origin: String
    public var generators: [GeneratorStatus]
    /// The applications it generates now (the last good listing's), in entry order.
    public var applications: [String]
    public var maxApplications: Int
    public var maxDeletePercent: Int
    public var deleteApplications: Bool
    /// Why the last listing was not applied (GeneratorFailed, DeleteRefused), when it was not.
    public var condition: ApplicationStatus.Condition?
    /// When the applications were last generated.
    public var generatedAt: Date?

    public init(name: String, origin: String, generators: [GeneratorStatus], applications: [String], maxApplications: Int,
                maxDeletePercent: Int, deleteApplications: Bool, condition: ApplicationStatus.Condition?, generatedAt: Date?) {
        self.name = name
        self.origin = origin
        self.generators = generators
        self.applications = applications
        self.maxApplications = maxApplications
        self.maxDeletePercent = maxDeletePercent
        self.deleteApplications = deleteApplications
        self.condition = condition
        self.generatedAt = generatedAt
    }
}

/// One generator of a set with its last result and condition.
public struct GeneratorStatus: Sendable, Codable, Hashable {
    /// directories, files, list or matrix.
    public var type: String
    public var repository: String?
    public var revision: String?
    public var include: [String]?
    public var exclude: [String]?
    /// The last good listing: at which commit, how many entries, when.
    public var result: GeneratorResult?
    /// GeneratorFailed (with file:line for a file that does not parse) while the last listing failed.
    public var condition: ApplicationStatus.Condition?
    /// The generators a matrix combines.
    public var generators: [GeneratorStatus]?

    public init(type: String, repository: String? = nil, revision: String? = nil, include: [String]? = nil, exclude: [String]? = nil,
                result: GeneratorResult? = nil, condition: ApplicationStatus.Condition? = nil, generators: [GeneratorStatus]? = nil) {
        self.type = type
        self.repository = repository
        self.revision = revision
        self.include = include
        self.exclude = exclude
        self.result = result
        self.condition = condition
        self.generators = generators
    }
}

public struct GeneratorResult: Sendable, Codable, Hashable {
    /// The commit listed (Git generators).
    public var commit: String?
    public var entries: Int
    public var listedAt: Date?

    public init(commit: String?, entries: Int, listedAt: Date?) {
        self.commit = commit
        self.entries = entries
        self.listedAt = listedAt
    }
}

/// An `include:` entry as `GET /api/v1/includes` shows it.
public struct IncludeStatus: Sendable, Codable, Hashable {
    public var repository: String
    public var revision: String
    public var path: String
    /// The commit the definitions in force were read at.
    public var commit: String?
    /// The files in force, each with the applications and sets it defines.
    public var files: [File]
    /// ConfigInvalid (file, line, commit) or SourceUnavailable, while it holds.
    public var condition: ApplicationStatus.Condition?

    public struct File: Sendable, Codable, Hashable {
        public var path: String
        public var applications: [String]
        public var applicationSets: [String]
        /// The kinds it declares health rules for, as `group/Kind` (`/Kind` for the core group).
        public var healthRules: [String]
        public init(path: String, applications: [String], applicationSets: [String], healthRules: [String] = []) {
            self.path = path
            self.applications = applications
            self.applicationSets = applicationSets
            self.healthRules = healthRules
        }

        enum CodingKeys: String, CodingKey { case path, applications, applicationSets, healthRules }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            applications = try c.decode([String].self, forKey: .applications)
            applicationSets = try c.decode([String].self, forKey: .applicationSets)
            // A server from before health rules could live in Git sends none.
            healthRules = try c.decodeIfPresent([String].self, forKey: .healthRules) ?? []
        }
    }

    public init(repository: String, revision: String, path: String, commit: String?, files: [File], condition: ApplicationStatus.Condition?) {
        self.repository = repository
        self.revision = revision
        self.path = path
        self.commit = commit
        self.files = files
        self.condition = condition
    }
}
