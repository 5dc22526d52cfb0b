import BosunCore
import BosunTesting
import Foundation
import Testing

/// SOPS files for end-to-end tests, made with the `bosun` binary as a user would.
enum Sops {
    /// `bosun secret keygen -o PATH`; returns the recipient it printed.
    static func keygen(_ path: String) async throws -> String {
        let result = try await bosun("secret", "keygen", "-o", path)
        guard result.status == 0, let line = result.stderr.split(separator: "\n").first(where: { $0.hasPrefix("Public key: ") }) else {
            throw Shell.Failure(command: ["bosun", "secret", "keygen"], status: result.status, stdout: result.stdout, stderr: result.stderr)
        }
        return String(line.dropFirst("Public key: ".count))
    }

    /// `bosun secret encrypt` of `plaintext` (written to a file named `name` in `dir`).
    static func encrypt(_ plaintext: String, name: String, to recipients: [String], in dir: TemporaryDirectory,
                        encryptedRegex: String? = "^(data|stringData)$") async throws -> String {
        let file = try dir.write("plain/\(name)", plaintext).path
        defer { try? FileManager.default.removeItem(atPath: file) }
        var arguments = ["secret", "encrypt", file]
        for recipient in recipients { arguments += ["--age", recipient] }
        if let encryptedRegex { arguments += ["--encrypted-regex", encryptedRegex] }
        let result = try await bosun(arguments)
        guard result.status == 0 else { throw Shell.Failure(command: arguments, status: result.status, stdout: result.stdout, stderr: result.stderr) }
        return result.stdout
    }

    /// A Secret manifest with `stringData`.
    static func secret(_ name: String, _ values: [String: String]) -> String {
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: \(name)\ntype: Opaque\nstringData:\n"
            + values.sorted { $0.key < $1.key }.map { "  \($0.key): \"\($0.value)\"\n" }.joined()
    }

    /// A ConfigMap manifest: a non-Secret kind whose values may be encrypted too.
    static func configMap(_ name: String, _ values: [String: String]) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\ndata:\n"
            + values.sorted { $0.key < $1.key }.map { "  \($0.key): \"\($0.value)\"\n" }.joined()
    }

    /// Every file under `folder`, read as text (bytes that are not UTF-8 kept as they decode).
    static func filesText(_ folder: String) -> [(String, String)] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var out: [(String, String)] = []
        for case let path as String in enumerator {
            let full = folder + "/" + path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                let data = FileManager.default.contents(atPath: full)
            else { continue }
            out.append((path, String(decoding: data, as: UTF8.self)))
        }
        return out
    }
}
