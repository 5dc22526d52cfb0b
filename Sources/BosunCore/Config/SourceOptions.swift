import Foundation

/// What a repository entry holds: Git (the default), a Helm chart repository (`index.yaml`),
/// or charts in an OCI registry (`url + "/" + chart`).
public enum RepositoryType: String, Sendable, CaseIterable, Hashable, Codable {
    case git, helm, oci
}

/// A values file read from another repository at its own revision (Argo CD's multi-source
/// values): `helm.valuesFrom: [{ repository, revision, path }]`.
public struct ValuesSource: Sendable, Hashable {
    public var repository: String
    public var revision: RevisionSpec
    /// A file relative to the repository root; it may not leave the repository.
    public var path: String

    public init(repository: String, revision: RevisionSpec = .ref("HEAD"), path: String) {
        self.repository = repository
        self.revision = revision
        self.path = path
    }
}

/// `jsonnet: { extVars, tlas, libs }`, as Argo CD offers them.
public struct JsonnetOptions: Sendable, Hashable {
    /// `--ext-str NAME=VALUE`.
    public var extVars: [String: String]
    /// `--tla-str NAME=VALUE`.
    public var tlas: [String: String]
    /// Library folders (`--jpath`), relative to the repository root.
    public var libs: [String]

    public init(extVars: [String: String] = [:], tlas: [String: String] = [:], libs: [String] = []) {
        self.extVars = extVars
        self.tlas = tlas
        self.libs = libs
    }
}

/// `directory: { recurse, include, exclude }`, as Argo CD's directory options. Bosun's default
/// stays recursive (Argo CD's is not: an import writes `recurse: false`).
public struct DirectoryOptions: Sendable, Hashable {
    public var recurse: Bool
    /// A glob over paths relative to the source folder (`*.yaml`, `{a.yaml,b.yaml}`); nil: every manifest.
    public var include: String?
    /// A glob of paths to leave out (`test/*`).
    public var exclude: String?

    public init(recurse: Bool = true, include: String? = nil, exclude: String? = nil) {
        self.recurse = recurse
        self.include = include
        self.exclude = exclude
    }
}

/// One source's part of what an application is synced to: a full commit SHA for Git,
/// `<chart>@<version>` (with the archive's digest) for a chart. An application with values
/// from other repositories has one per source, its own first.
public struct SourceRevision: Sendable, Codable, Hashable {
    public var repository: String
    public var revision: String
    /// `sha256:<hex>` of the chart archive (or OCI manifest), for charts.
    public var digest: String?

    public init(repository: String, revision: String, digest: String? = nil) {
        self.repository = repository
        self.revision = revision
        self.digest = digest
    }

    /// Several sources' revisions as one string (their order is the application's: its own
    /// source first, then `helm.valuesFrom` in order). A single source is its revision alone,
    /// so a Git-only application's revision stays its commit SHA.
    public static func combined(_ sources: [SourceRevision]) -> String {
        sources.map(\.revision).joined(separator: ",")
    }

    /// The parts of a combined revision, in source order.
    public static func split(_ revision: String) -> [String] {
        revision.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }
    }

    /// As JSON (`{repository, revision, digest?}`), for the store.
    public var json: JSONValue {
        var object: JSONObject = ["repository": .string(repository), "revision": .string(revision)]
        if let digest { object["digest"] = .string(digest) }
        return .object(object)
    }

    /// A list stored as JSON; nil when it is not one.
    public static func list(json text: String) -> [SourceRevision]? {
        guard let array = (try? JSONParser.parse(text))?.arrayValue else { return nil }
        return array.compactMap { item in
            guard let repository = item["repository"]?.stringValue, let revision = item["revision"]?.stringValue else { return nil }
            return SourceRevision(repository: repository, revision: revision, digest: item["digest"]?.stringValue)
        }
    }

    /// How people write a revision: seven characters of a SHA, a chart version whole.
    public static func short(_ revision: String) -> String {
        split(revision).map { part in
            part.count == 40 && part.allSatisfy(\.isHexDigit) ? String(part.prefix(7)) : part
        }.joined(separator: ",")
    }
}
