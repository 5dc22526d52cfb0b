import BosunCore
import BosunDiff
import Foundation

/// Manifests for tests: fixture files beside the tests, or YAML written inline.
enum Fixture {
    /// Every document of `Fixtures/<name>`.
    static func resources(_ name: String) throws -> [Resource] {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw FixtureError(message: "no fixture named \(name)")
        }
        return try parse(String(contentsOf: url, encoding: .utf8))
    }

    static func resource(_ name: String) throws -> Resource {
        guard let only = try resources(name).first else { throw FixtureError(message: "\(name) holds no document") }
        return only
    }

    /// The documents of a YAML text.
    static func parse(_ yaml: String) throws -> [Resource] {
        try YAMLDecoder().documents(yaml).compactMap { Resource($0.value) }
    }

    /// The one manifest of a YAML text.
    static func yaml(_ text: String) throws -> Resource {
        guard let only = try parse(text).first else { throw FixtureError(message: "no document in \(text)") }
        return only
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

extension Resource {
    /// This resource with the field at `pointer` set to `value` (see `JSONPointer.setting`).
    func setting(_ pointer: String, _ value: JSONValue) throws -> Resource {
        guard let updated = try JSONPointer(pointer).setting(value, in: self.value), let resource = Resource(updated) else {
            throw Fixture.FixtureError(message: "cannot set \(pointer)")
        }
        return resource
    }
}
