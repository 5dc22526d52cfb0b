import BosunCore
import Foundation
import Testing

/// JSON files beside the tests, shaped as Nomad's documented API responses.
enum Fixture {
    static func json(_ name: String) throws -> JSONValue {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent(name)
        return try JSONParser.parse(try Data(contentsOf: url))
    }
}
