import BosunCore
import Foundation
import Synchronization

/// Field order and server-set values as the real API server writes them, so that raw responses
/// read like a real cluster's (`kind`, `apiVersion`, `metadata` first; `status` last; metadata in
/// `ObjectMeta` order).
enum ObjectShape {
    static let metadataOrder = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ]

    /// The object with its top-level and metadata keys in the server's order.
    static func normalized(_ object: JSONObject) -> JSONObject {
        var result = JSONObject()
        if let kind = object["kind"] { result["kind"] = kind }
        if let apiVersion = object["apiVersion"] { result["apiVersion"] = apiVersion }
        if let metadata = object["metadata"]?.objectValue { result["metadata"] = .object(normalizedMetadata(metadata)) }
        for entry in object where !["kind", "apiVersion", "metadata", "status"].contains(entry.key) {
            result[entry.key] = entry.value
        }
        if let status = object["status"] { result["status"] = status }
        return result
    }

    static func normalizedMetadata(_ metadata: JSONObject) -> JSONObject {
        var result = JSONObject()
        for key in metadataOrder { if let value = metadata[key] { result[key] = value } }
        for entry in metadata where result[entry.key] == nil { result[entry.key] = entry.value }
        return result
    }
}

/// Wall-clock timestamps in the API's format (RFC 3339, UTC, whole seconds), cached per second
/// because every write stamps `managedFields`.
enum Timestamp {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String { format(Date()) }

    static func format(_ date: Date) -> String {
        let second = Int(date.timeIntervalSince1970.rounded(.down))
        if let cached = cache.withLock({ $0.second == second ? $0.text : nil }) { return cached }
        let text = render(second)
        cache.withLock { $0 = (second, text) }
        return text
    }

    /// Days-from-civil arithmetic: no formatter, no locale.
    static func render(_ epochSeconds: Int) -> String {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondsOfDay = epochSeconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondsOfDay / 3600)):\(two(secondsOfDay % 3600 / 60)):\(two(secondsOfDay % 60))Z"
    }

    /// Parses the API's timestamp format back to a date.
    static func parse(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { "-T:Z".contains($0) }).compactMap { Int($0) }
        guard parts.count >= 6 else { return nil }
        var components = DateComponents()
        components.year = parts[0]
        components.month = parts[1]
        components.day = parts[2]
        components.hour = parts[3]
        components.minute = parts[4]
        components.second = parts[5]
        components.timeZone = TimeZone(identifier: "UTC")
        return Calendar(identifier: .gregorian).date(from: components)
    }
}

/// Identifiers the server assigns.
enum Identifiers {
    static func uid() -> String { UUID().uuidString.lowercased() }

    /// Five characters from the alphabet Kubernetes uses for generated names (no vowels, no
    /// look-alike digits), as `generateName` and pod-template hashes use.
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    static func randomSuffix(_ count: Int = 5) -> String {
        String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    /// FNV-1a of the text, spelled in that alphabet: a stable short hash such as a ReplicaSet's
    /// `pod-template-hash`.
    static func safeHash(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        var value = Int(hash)
        var out = ""
        repeat {
            out.append(alphabet[value % alphabet.count])
            value /= alphabet.count
        } while value > 0
        return out
    }
}
