import Yams

/// `decryptionKeys` and `decryption`: parsed and checked with the rest of the config, each
/// problem at its file:line:column.
extension ConfigLoader {
    static func readDecryptionKey(_ node: Node, _ path: String, _ reader: ConfigReader) -> DecryptionKeySpec? {
        guard let m = reader.mapping(node, path, known: ["name", "ageKeyFiles", "ageKeysEnv", "gpgKeyFiles"]),
            let name = m.string("name", required: "prod")
        else { return nil }
        let spec = DecryptionKeySpec(name: name, ageKeyFiles: m.strings("ageKeyFiles") ?? [], ageKeysEnv: m.string("ageKeysEnv"),
                                     gpgKeyFiles: m.strings("gpgKeyFiles") ?? [])
        if spec.ageKeyFiles.isEmpty && spec.ageKeysEnv == nil && spec.gpgKeyFiles.isEmpty {
            reader.report(node, path, "decryption key \"\(name)\" names no key",
                          fix: "add ageKeyFiles: [keys/\(name).agekey] (`bosun secret keygen` makes one), ageKeysEnv or gpgKeyFiles")
        }
        if let env = spec.ageKeysEnv, let envNode = m.value("ageKeysEnv"), env.isEmpty || env.contains("=") || env.contains(" ") {
            reader.report(envNode, m.childPath("ageKeysEnv"), "\"\(env)\" is not an environment variable name", fix: "name the variable, as BOSUN_AGE_KEYS")
        }
        return spec
    }

    /// `decryption: { provider: sops, keys: [prod] }` of an application or repository.
    static func readDecryption(_ m: MappingView) -> DecryptionSpec? {
        guard let d = m.mapping("decryption", known: ["provider", "keys"]) else { return nil }
        let provider = d.string("provider", required: "sops")
        if let provider, !DecryptionSpec.providers.contains(provider), let node = d.value("provider") {
            m.reader.report(node, d.childPath("provider"), "unknown decryption provider \"\(provider)\"", fix: "use sops")
        }
        let keys = d.strings("keys") ?? []
        if keys.isEmpty {
            m.reader.report(d.value("keys") ?? d.node, d.childPath("keys"), "no decryption keys named",
                            fix: "add `keys: [NAME]`, naming an entry of decryptionKeys")
        }
        guard let provider else { return nil }
        return DecryptionSpec(provider: provider, keys: keys)
    }

    /// Key names are unique, and every name an application, repository or set template uses is declared.
    static func checkDecryption(_ config: Config, _ top: MappingView, _ reader: ConfigReader) {
        let declared = config.decryptionKeys.map(\.name)
        var keyNodes: [Node] = []
        if case .sequence(let seq)? = top.value("decryptionKeys") { keyNodes = Array(seq) }
        var seen = Set<String>()
        for (i, spec) in config.decryptionKeys.enumerated() where !seen.insert(spec.name).inserted {
            reader.report(i < keyNodes.count ? keyNodes[i] : nil, "decryptionKeys[\(i)].name", "decryption key \"\(spec.name)\" is declared twice",
                          fix: "give each entry its own name")
        }
        checkDecryptionNames(top, "applications", declared: declared, reader)
        checkDecryptionNames(top, "repositories", declared: declared, reader)
        checkDecryptionNames(top, "applicationSets", declared: declared, reader)
    }

    /// Every key name the entries of `section` use (`applications`, `repositories`, or the
    /// templates of `applicationSets`) is one of `declared`. A name holding a placeholder is
    /// checked once the set fills it.
    static func checkDecryptionNames(_ top: MappingView, _ section: String, declared: [String], _ reader: ConfigReader) {
        guard case .sequence(let nodes)? = top.value(section) else { return }
        for (i, node) in nodes.enumerated() {
            guard case .mapping(var mapping) = node else { continue }
            var path = "\(section)[\(i)]"
            if section == "applicationSets" {
                guard case .mapping(let template)? = mapping["template"] else { continue }
                mapping = template
                path += ".template"
            }
            guard let decryption = mapping["decryption"], case .mapping(let d) = decryption, case .sequence(let keys)? = d["keys"] else { continue }
            for (j, key) in keys.enumerated() {
                guard case .scalar(let s) = key, !declared.contains(s.string), !TemplateText.hasPlaceholders(s.string) else { continue }
                reader.report(key, "\(path).decryption.keys[\(j)]", "no decryption key named \"\(s.string)\"",
                              fix: closestMatch(to: s.string, in: declared).map { "did you mean \"\($0)\"?" }
                                ?? (declared.isEmpty ? "declare it under decryptionKeys: (in the local config)" : "declared keys: \(declared.joined(separator: ", "))"))
            }
        }
    }
}
