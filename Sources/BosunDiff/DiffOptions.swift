import BosunCore

/// How resources are compared.
public struct DiffOptions: Sendable {
    /// Fields of matching resources that are never drift.
    public var ignoreDifferences: [IgnoreDifference]
    /// The rules that keep differences of form from reading as drift; `Normalizers.standard`
    /// unless told otherwise. `ignoreDifferences` runs after them.
    public var normalizers: [any Normalizer]

    /// The standard normalisers and the given ignore rules.
    public init(ignoreDifferences: [IgnoreDifference] = []) {
        self.ignoreDifferences = ignoreDifferences
        self.normalizers = Normalizers.standard
    }

    /// Chosen normalisers (none at all compares values exactly) and the given ignore rules.
    public init(ignoreDifferences: [IgnoreDifference] = [], normalizers: [any Normalizer]) {
        self.ignoreDifferences = ignoreDifferences
        self.normalizers = normalizers
    }

    /// Every normaliser in the order it runs, the ignore rules last.
    var allNormalizers: [any Normalizer] {
        ignoreDifferences.isEmpty ? normalizers : normalizers + [IgnoredFieldsNormalizer(ignoreDifferences)]
    }
}

/// What a sync does to one resource.
public enum ChangeAction: String, Sendable, Codable, CaseIterable {
    case create, update, delete, unchanged
}
