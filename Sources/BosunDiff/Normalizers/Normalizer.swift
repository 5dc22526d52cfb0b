import BosunCore

/// One small rule that keeps differences of form from reading as drift.
///
/// A normaliser may rewrite each side before comparison (`normalize`), and may declare two
/// values that differ in form the same (`equivalent`). Both default to doing nothing, so each
/// normaliser implements only the half it needs and can be tested alone.
public protocol Normalizer: Sendable {
    /// A short name for listings and tests.
    var name: String { get }

    /// Rewrites one side (desired, live or last-applied) before comparison.
    func normalize(_ resource: Resource) -> Resource

    /// Whether `desired` and `live` at `path` mean the same although they differ as values.
    /// Either may be nil: the field is absent on that side.
    func equivalent(desired: JSONValue?, live: JSONValue?, at path: FieldPath) -> Bool
}

extension Normalizer {
    public func normalize(_ resource: Resource) -> Resource { resource }
    public func equivalent(desired: JSONValue?, live: JSONValue?, at path: FieldPath) -> Bool { false }
}

/// The normalisers Bosun applies unless told otherwise, in the order they run.
public enum Normalizers {
    /// Server fields, Secret stringData, empty Secret values, numbers, quantities, empty values.
    public static let standard: [any Normalizer] = [
        ServerFieldsNormalizer(),
        SecretStringDataNormalizer(),
        SecretEmptyDataNormalizer(),
        NumberNormalizer(),
        QuantityNormalizer(),
        EmptyValueNormalizer(),
    ]

    /// Applies every rewrite of `normalizers` to `resource`, in order.
    static func normalize(_ resource: Resource, with normalizers: [any Normalizer]) -> Resource {
        var result = resource
        for normalizer in normalizers { result = normalizer.normalize(result) }
        return result
    }

    /// Whether any of `normalizers` holds the two values the same.
    static func equivalent(
        desired: JSONValue?, live: JSONValue?, at path: FieldPath, with normalizers: [any Normalizer]
    ) -> Bool {
        normalizers.contains { $0.equivalent(desired: desired, live: live, at: path) }
    }
}
