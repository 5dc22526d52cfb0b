import ArgumentParser
import BosunCore
import BosunSecrets
import Foundation

/// Decrypts SOPS-encrypted Secrets as the engine does after a render: each Secret its own file
/// (its own data key, wrapped to an age recipient), `stringData` encrypted. Cold: every data key
/// unwrapped with age (X25519, HKDF, ChaCha20-Poly1305) once per file, AES-GCM per value, the
/// MAC checked; warm: the data keys already known. Also whole files as `bosun secret decrypt`
/// reads them (YAML parsing included).
struct SecretsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "Decrypt SOPS-encrypted Secrets (age keys, AES-GCM values, MAC).")

    @Option(help: "How many encrypted Secrets.") var secrets = 1_000
    @Option(help: "Keys (encrypted values) per Secret.") var keys = 10
    @Option(help: "Timed runs (the best and the median are printed).") var runs = 5

    func run() async throws {
        let identity = AgeIdentity()
        let options = SopsFile.EncryptOptions(ageRecipients: [identity.recipient], encryptedRegex: "^(data|stringData)$")
        var files: [[UInt8]] = []
        var resources: [Resource] = []
        for i in 0..<secrets {
            var text = "apiVersion: v1\nkind: Secret\nmetadata:\n    name: secret-\(i)\n    namespace: shop\ntype: Opaque\nstringData:\n"
            for k in 0..<keys { text += "    key-\(k): value-\(i)-\(k)-\(String(repeating: "x", count: 24))\n" }
            let file = try await SopsFile.encrypt(Array(text.utf8), format: .yaml, name: "secret-\(i).yaml", options: options)
            files.append(file)
            guard let resource = Resource(try YAMLDecoder().value(String(decoding: file, as: UTF8.self)), source: SourceLocation(file: "secret-\(i).yaml", line: 1)) else { continue }
            resources.append(resource)
        }
        print("secrets: \(secrets) SOPS-encrypted Secrets × \(keys) values, each its own age-wrapped data key (~\(files.reduce(0) { $0 + $1.count } / max(secrets, 1)) bytes each)")

        var cold: [Double] = []
        var warm: [Double] = []
        var decrypted: [Resource] = []
        for _ in 0..<max(runs, 1) {
            let keyring = SopsKeyring(ageIdentities: [identity])
            let decryptor = ManifestDecryptor(keys: keyring, owner: "the benchmark")
            let (first, coldTime) = try await measure { try await decryptor.decrypt(resources) }
            let (_, warmTime) = try await measure { try await decryptor.decrypt(resources) }
            decrypted = first
            cold.append(coldTime)
            warm.append(warmTime)
        }
        let values = decrypted.reduce(0) { $0 + ($1.body["stringData"]?.objectValue?.count ?? 0) }
        guard values == secrets * keys, decrypted.allSatisfy({ $0.body["sops"] == nil }) else {
            throw ValidationError("decryption lost values: \(values) of \(secrets * keys)")
        }
        cold.sort()
        warm.sort()
        figure("manifests, cold (age unwrap per file): best", cold[0] * 1000, "ms", target: "< 200 ms for 1,000 × 10")
        figure("manifests, cold: median", cold[cold.count / 2] * 1000, "ms")
        figure("manifests, warm (data keys known): best", warm[0] * 1000, "ms")
        figure("per Secret, cold", cold[0] * 1e6 / Double(max(secrets, 1)), "µs")

        var fileTimes: [Double] = []
        for _ in 0..<max(runs, 1) {
            let keyring = SopsKeyring(ageIdentities: [identity])
            let (_, time) = try await measure {
                for (i, file) in files.enumerated() { _ = try await SopsFile.decrypt(file, format: .yaml, name: "secret-\(i).yaml", keys: keyring) }
            }
            fileTimes.append(time)
        }
        fileTimes.sort()
        figure("whole YAML files (parse + decrypt + write), best", fileTimes[0] * 1000, "ms")
    }
}
