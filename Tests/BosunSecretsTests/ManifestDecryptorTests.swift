import BosunCore
import BosunSecrets
import BosunTesting
import Foundation
import Testing

/// Rendered manifests with SOPS in them, decrypted as the engine does before diff and apply.
@Suite("Manifest decryption")
struct ManifestDecryptorTests {
    let identity = AgeIdentity()
    var keys: SopsKeyring { SopsKeyring(ageIdentities: [identity], label: "decryptionKeys test") }
    var options: SopsFile.EncryptOptions { .init(ageRecipients: [identity.recipient], encryptedRegex: "^(data|stringData)$") }

    func manifests(_ text: String, file: String = "apps/web/secret.yaml") throws -> [Resource] {
        try YAMLDecoder().documents(text).map { doc in
            guard let resource = Resource(doc.value, source: SourceLocation(file: file, line: doc.line)) else { throw SopsError(.unreadable, "not a manifest") }
            return resource
        }
    }

    func encrypt(_ text: String, format: SopsFormat, regex: Bool = true) async throws -> String {
        let opts = regex ? options : .init(ageRecipients: [identity.recipient])
        return String(decoding: try await SopsFile.encrypt(Array(text.utf8), format: format, name: "t", options: opts), as: UTF8.self)
    }

    @Test("a Secret encrypted whole is decrypted, its sops block removed, its values marked sensitive")
    func wholeSecret() async throws {
        let file = try await encrypt("apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\ntype: Opaque\nstringData:\n    password: hunter2\n    user: app\n", format: .yaml)
        let decrypted = try await ManifestDecryptor(keys: keys, owner: "application web").decrypt(try manifests(file))
        #expect(decrypted.count == 1)
        let secret = decrypted[0]
        #expect(secret.body["sops"] == nil)
        #expect(secret.body["stringData"]?["password"] == "hunter2")
        #expect(secret.name == "db")
        #expect(secret.source?.file == "apps/web/secret.yaml")
        #expect(secret.sensitive?.pointers == ["/stringData/password", "/stringData/user"])
        #expect(secret.sensitive?.values == ["hunter2", "app"])
    }

    @Test("a multi-document file is decrypted together; a ConfigMap's values are sensitive too")
    func multiDocument() async throws {
        let file = try await encrypt("apiVersion: v1\nkind: ConfigMap\nmetadata:\n    name: a\ndata:\n    url: postgres://db\n---\napiVersion: v1\nkind: Secret\nmetadata:\n    name: b\ndata:\n    token: dG9rZW4=\n", format: .yaml)
        let decrypted = try await ManifestDecryptor(keys: keys, owner: "application web").decrypt(try manifests(file))
        #expect(decrypted.map(\.kind) == ["ConfigMap", "Secret"])
        #expect(decrypted[0].body["data"]?["url"] == "postgres://db")
        #expect(decrypted[0].sensitive?.pointers == ["/data/url"])
        #expect(decrypted[1].body["data"]?["token"] == "dG9rZW4=")
    }

    @Test("Secret values that are SOPS files (YAML, JSON, dotenv, binary) are decrypted in place, in the format their key names")
    func secretValues() async throws {
        let yaml = try await encrypt("user: app\npassword: hunter2\n", format: .yaml, regex: false)
        let json = try await encrypt("{\"token\": \"tok-123\"}", format: .json, regex: false)
        let env = try await encrypt("API_KEY=abc-987\n", format: .dotenv, regex: false)
        let binary = try await SopsFile.encrypt(Array("raw-bytes-xyz".utf8), format: .binary, name: "b", options: .init(ageRecipients: [identity.recipient]))
        let secret: JSONValue = [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "files"],
            "data": [
                "config.yaml": .string(Data(yaml.utf8).base64EncodedString()),
                "creds.json": .string(Data(json.utf8).base64EncodedString()),
                "app.env": .string(Data(env.utf8).base64EncodedString()),
                "blob": .string(Data(binary).base64EncodedString()),
                "plain": .string(Data("not encrypted".utf8).base64EncodedString()),
            ],
            "stringData": ["inline.yaml": .string(yaml)],
        ]
        let resource = try #require(Resource(secret, source: SourceLocation(file: "s.yaml", line: 1)))
        let out = try await ManifestDecryptor(keys: keys, owner: "application web").decrypt([resource])[0]
        func data(_ key: String) -> String {
            String(decoding: Data(base64Encoded: out.body["data"]?[key]?.stringValue ?? "") ?? Data(), as: UTF8.self)
        }
        #expect(try YAMLDecoder().value(data("config.yaml")) == ["user": "app", "password": "hunter2"])
        #expect(try JSONParser.parse(data("creds.json")) == ["token": "tok-123"])
        #expect(data("app.env") == "API_KEY=abc-987\n")
        #expect(data("blob") == "raw-bytes-xyz")
        #expect(data("plain") == "not encrypted")
        #expect(try YAMLDecoder().value(out.body["stringData"]?["inline.yaml"]?.stringValue ?? "") == ["user": "app", "password": "hunter2"])
        #expect(out.sensitive?.pointers.isSuperset(of: ["/data/config.yaml", "/data/creds.json", "/data/app.env", "/data/blob", "/stringData/inline.yaml"]) == true)
        #expect(out.sensitive?.pointers.contains("/data/plain") == false)
        #expect(out.sensitive?.values.isSuperset(of: ["hunter2", "tok-123", "raw-bytes-xyz"]) == true)
    }

    @Test("a host File whose content is a SOPS file gets the plaintext; a Nomad JobFile's variables too")
    func fileAndVariables() async throws {
        let env = try await encrypt("DB_PASSWORD=hunter2\n", format: .dotenv, regex: false)
        let file: JSONValue = ["apiVersion": "host.bosun.dev/v1", "kind": "File", "metadata": ["name": "env"],
                               "spec": ["path": "app/.env", "content": .string(env), "mode": "0600"]]
        let vars = try await SopsFile.encrypt(Array("db_password = \"hunter2-hcl\"\n".utf8), format: .binary, name: "v", options: .init(ageRecipients: [identity.recipient]))
        let job: JSONValue = ["apiVersion": "nomad.bosun.dev/v1", "kind": "JobFile", "metadata": ["name": "web"],
                              "spec": ["path": "jobs/web.nomad.hcl", "format": "hcl", "content": "job \"web\" {}", "variables": .string(String(decoding: vars, as: UTF8.self))]]
        let out = try await ManifestDecryptor(keys: keys, owner: "application web").decrypt([try #require(Resource(file)), try #require(Resource(job))])
        #expect(out[0].body["spec"]?["content"] == "DB_PASSWORD=hunter2\n")
        #expect(out[0].body["spec"]?["mode"] == "0600")
        #expect(out[0].sensitive?.pointers == ["/spec/content"])
        #expect(out[1].body["spec"]?["variables"] == "db_password = \"hunter2-hcl\"\n")
        #expect(out[1].sensitive?.values.contains("hunter2-hcl") == true, "the variable's value is masked wherever the job shows it")
    }

    @Test("bosun.dev/decrypt: \"false\" and Flux's decrypt: Disabled leave a document alone")
    func skipped() async throws {
        let file = try await encrypt("apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\n    annotations:\n        bosun.dev/decrypt: \"false\"\nstringData:\n    password: hunter2\n", format: .yaml)
        let flux = file.replacingOccurrences(of: "bosun.dev/decrypt: \"false\"", with: "kustomize.toolkit.fluxcd.io/decrypt: Disabled")
        for text in [file, flux] {
            let resources = try manifests(text)
            #expect(!ManifestDecryptor.needsDecryption(resources))
            let out = try await ManifestDecryptor(keys: nil, owner: "application web").decrypt(resources)
            #expect(out == resources)
        }
    }

    @Test("without keys, with the wrong key, or tampered: an error naming the file and resource, never a value")
    func failures() async throws {
        let file = try await encrypt("apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    password: hunter2\n", format: .yaml)
        let resources = try manifests(file)
        let none = await sopsError { _ = try await ManifestDecryptor(keys: nil, owner: "application web").decrypt(resources) }
        #expect(none?.code == .noKey)
        #expect(none?.description.contains("apps/web/secret.yaml:1 (Secret/db)") == true, "\(String(describing: none))")
        #expect(none?.description.contains("application web names no decryption keys") == true)

        let wrong = await sopsError { _ = try await ManifestDecryptor(keys: SopsKeyring(ageIdentities: [AgeIdentity()]), owner: "application web").decrypt(resources) }
        #expect(wrong?.code == .noKey)
        #expect(wrong?.description.contains(identity.recipient.text) == true, "names the recipient the file is encrypted to")

        let tampered = try manifests(file.replacingOccurrences(of: "name: db", with: "name: dc"))
        let mac = await sopsError { _ = try await ManifestDecryptor(keys: keys, owner: "application web").decrypt(tampered) }
        #expect(mac?.code == .tampered)
        #expect(mac?.description.contains("apps/web/secret.yaml") == true)
        for error in [none, wrong, mac] { #expect(error?.description.contains("hunter2") == false) }
    }

    @Test("secretGenerator files are decrypted in a copy of the tree before kustomize runs", .enabled(if: (try? Shell.executeBlocking(["kubectl", "version", "--client"]).status) == 0))
    func kustomizeSources() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-kustomize")
        defer { dir.remove() }
        try dir.write("base/kustomization.yaml", "secretGenerator:\n  - name: creds\n    files: [password.txt=secret.bin]\n    envs: [app.env]\n")
        try Data(try await SopsFile.encrypt(Array("hunter2".utf8), format: .binary, name: "b", options: .init(ageRecipients: [identity.recipient]))).write(to: dir.appending("base/secret.bin"))
        try dir.write("base/app.env", try await encrypt("API_KEY=abc-987\n", format: .dotenv, regex: false))
        try dir.write("overlay/kustomization.yaml", "resources: [../base]\nnamePrefix: prod-\n")
        let done = try await KustomizeSources.decrypt(root: dir.url, path: "overlay", keys: keys, owner: "application web")
        #expect(Set(done) == ["base/secret.bin", "base/app.env"])
        #expect(try String(contentsOf: dir.appending("base/secret.bin"), encoding: .utf8) == "hunter2")
        let rendered = try await Shell.run(["kubectl", "kustomize", dir.appending("overlay").path])
        #expect(rendered.contains(Data("hunter2".utf8).base64EncodedString()))
        #expect(rendered.contains(Data("abc-987".utf8).base64EncodedString()))
        // A generator file outside the tree is refused.
        try dir.write("evil/kustomization.yaml", "secretGenerator:\n  - name: x\n    files: [../../../etc/hostname]\n")
        let outside = await sopsError { _ = try await KustomizeSources.decrypt(root: dir.url, path: "evil", keys: keys, owner: "application web") }
        #expect(outside?.description.contains("outside the repository") == true)
    }
}
