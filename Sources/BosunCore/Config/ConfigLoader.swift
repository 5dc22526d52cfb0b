import Foundation
import Yams

/// Reads and validates `bosun.yaml`, reporting every problem at once.
public enum ConfigLoader {
    public static let apiVersion = "bosun.dev/v1"

    public static func load(file: String) throws(ConfigError) -> Config {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConfigError([ConfigDiagnostic(
                file: file, line: 0, column: 0, path: "", message: "cannot read the config file: \(describeFileError(error))",
                fix: FileManager.default.fileExists(atPath: file) ? nil : "create it, or name another with --config")])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let (line, column) = firstInvalidUTF8(data)
            throw ConfigError([ConfigDiagnostic(
                file: file, line: line, column: column, path: "", message: "the config is not valid UTF-8 text",
                fix: "save it as UTF-8")])
        }
        var config = try parse(text, file: file)
        // A local repository path is relative to the config file, not to where Bosun runs.
        for i in config.repositories.indices where isRelativeLocalPath(config.repositories[i].url) {
            config.repositories[i].url = config.resolvePath(config.repositories[i].url)
        }
        return config
    }

    /// `./repo` or `repo` (not `https://…`, `file://…`, `git@host:org/repo` or `/abs`).
    static func isRelativeLocalPath(_ url: String) -> Bool {
        if url.hasPrefix("/") || url.hasPrefix("~") || url.contains("://") { return false }
        if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") { return false }
        return true
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> Config {
        let reader = ConfigReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: YAMLDecoder.withoutByteOrderMark(text), .basic)
        } catch {
            let e = YAMLDecoder.describe(error)
            throw ConfigError([ConfigDiagnostic(file: file, line: e.line, column: e.column, path: "", message: "invalid YAML: \(e.message)")])
        }
        guard let root else {
            throw ConfigError([ConfigDiagnostic(file: file, line: 1, column: 1, path: "", message: "the config is empty",
                                                fix: "start with `apiVersion: \(apiVersion)` and `kind: Config`")])
        }
        var config = Config(file: file)
        if let top = reader.mapping(root, "", known: ["apiVersion", "kind", "dataDir", "server", "security", "targets", "repositories", "applications", "notifications", "applicationSets", "include", "decryptionKeys", "healthRules", "store", "ha"]) {
            if let v = top.string("apiVersion", required: apiVersion), v != apiVersion, let node = top.value("apiVersion") {
                reader.report(node, "apiVersion", "unsupported apiVersion \"\(v)\"", fix: "use \(apiVersion)")
            }
            if let k = top.string("kind", required: "Config"), k != "Config", let node = top.value("kind") {
                reader.report(node, "kind", "expected kind Config, found \"\(k)\"", fix: "write `kind: Config`")
            }
            if let d = top.string("dataDir") { config.dataDir = d }
            if let server = top.mapping("server", known: ["listen", "tokens", "tls"]) { config.server = readServer(server) }
            if let store = top.mapping("store", known: ["postgres"]) { config.store = readStore(store) }
            if let ha = top.mapping("ha", known: ["leaseDuration", "renewEvery"]) { config.ha = readHA(ha) }
            // Only replicas compare it.
            if config.store != nil { config.sharedHash = sharedHash(of: top) }
            if let security = top.mapping("security", known: ["repositorySchemes"]), let node = security.value("repositorySchemes") {
                var schemes = Set<RepositoryScheme>()
                for name in security.strings("repositorySchemes") ?? [] {
                    if let scheme = RepositoryScheme(rawValue: name) { schemes.insert(scheme) } else {
                        reader.report(node, "security.repositorySchemes", "unknown scheme \"\(name)\"",
                                      fix: "use \(RepositoryScheme.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                }
                config.repositorySchemes = schemes
            }
            config.targets = top.list("targets").compactMap { readTarget($0.node, $0.path, reader) }
            config.repositories = top.list("repositories").compactMap { readRepository($0.node, $0.path, reader) }
            config.applications = top.list("applications").compactMap { readApplication($0.node, $0.path, reader) }
            config.notifications = top.list("notifications").compactMap { readNotification($0.node, $0.path, reader) }
            config.healthRules = readHealthRules(top.list("healthRules"), reader)
            let origin = DefinitionOrigin(file: file, line: 1, column: 1)
            config.applicationSets = top.list("applicationSets").compactMap { readApplicationSet($0.node, $0.path, reader, origin: origin) }
            config.includes = top.list("include").compactMap { readInclude($0.node, $0.path, reader) }
            config.decryptionKeys = top.list("decryptionKeys").compactMap { readDecryptionKey($0.node, $0.path, reader) }
            crossCheck(config, top, reader)
            if config.store != nil { checkMachineTargets(config, top, reader) }
        }
        if !reader.diagnostics.isEmpty {
            throw ConfigError(reader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return config
    }

    // MARK: Sections

    static func readServer(_ m: MappingView) -> ServerConfig {
        var server = ServerConfig()
        if let listen = m.string("listen"), let node = m.value("listen") {
            if parseListen(listen) == nil {
                m.reader.report(node, m.childPath("listen"), "\"\(listen)\" is not a host:port address", fix: "write it like 127.0.0.1:8080")
            } else {
                server.listen = listen
            }
        }
        for (node, path) in m.list("tokens") {
            guard let t = m.reader.mapping(node, path, known: ["name", "sha256", "role"]) else { continue }
            guard let name = t.string("name", required: "ci"), let hash = t.string("sha256", required: "<hex sha256 of the token>"),
                let role = t.has("role") ? t.oneOf("role", Role.self) : { t.reader.report(node, path + ".role", "missing required field \"role\"", fix: "add `role: viewer`, `operator` or `admin`"); return nil }()
            else { continue }
            if hash.count != 64 || !hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }), let hn = t.value("sha256") {
                m.reader.report(hn, path + ".sha256", "not a lowercase hex SHA-256 (64 characters)",
                                fix: "`bosun token create \(name) --role \(role.rawValue)` prints the entry to paste")
                continue
            }
            server.tokens.append(APITokenSpec(name: name, sha256: hash, role: role))
        }
        if let tls = m.mapping("tls", known: ["certificateFile", "keyFile"]),
            let cert = tls.string("certificateFile", required: "/etc/bosun/tls.crt"), let key = tls.string("keyFile", required: "/etc/bosun/tls.key")
        {
            server.tls = TLSFiles(certificateFile: cert, keyFile: key)
        }
        return server
    }

    /// `host:port` to its parts; nil when it is not one.
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port), !host.isEmpty else { return nil }
        return (host, port)
    }

    static func readTarget(_ node: Node, _ path: String, _ reader: ConfigReader) -> TargetSpec? {
        // Type first, to know which option fields are allowed.
        var type: String?
        if case .mapping(let mapping) = node, let typeNode = mapping["type"], case .scalar(let s) = typeNode { type = s.string }
        let known = ["name", "type"] + (type.flatMap { TargetSpec.knownOptions[$0] } ?? [])
        guard let m = reader.mapping(node, path, known: type.flatMap { TargetSpec.knownOptions[$0] } == nil ? known + TargetSpec.knownOptions.values.flatMap { $0 } : known) else { return nil }
        guard let name = m.string("name", required: "local"), let type = m.string("type", required: "host") else { return nil }
        guard TargetSpec.knownOptions[type] != nil, let typeNode = m.value("type") else {
            let types = TargetSpec.knownOptions.keys.sorted()
            reader.report(m.value("type"), m.childPath("type"), "unknown target type \"\(type)\"",
                          fix: closestMatch(to: type, in: types).map { "did you mean \"\($0)\"?" } ?? "use one of \(types.joined(separator: ", "))")
            return nil
        }
        _ = typeNode
        var options = JSONObject()
        for pair in m.pairs where pair.key != "name" && pair.key != "type" {
            if case .scalar(let s) = pair.value { options[pair.key] = YAMLDecoder.resolve(s) } else if case .sequence = pair.value {
                // Target options may be lists of strings (`hostPathAllowed: [/srv/data]`).
                options[pair.key] = .array((m.strings(pair.key) ?? []).map { .string($0) })
            } else {
                reader.report(pair.value, m.childPath(pair.key), "expected a single value, found \(ConfigReader.describe(pair.value))")
            }
        }
        return TargetSpec(name: name, type: type, options: options)
    }

    static func readRepository(_ node: Node, _ path: String, _ reader: ConfigReader) -> RepositorySpec? {
        guard let m = reader.mapping(node, path, known: ["name", "url", "type", "credentials", "webhook", "verify", "fetchTimeout", "caFile", "plainHTTP", "decryption"]) else { return nil }
        guard let name = m.string("name", required: "deploy"), let url = m.string("url", required: "https://git.example.com/acme/deploy.git")
        else { return nil }
        var repo = RepositorySpec(name: name, url: url)
        if let c = m.mapping("credentials", known: ["usernameEnv", "passwordEnv", "sshKeyFile", "knownHostsFile"]) {
            repo.credentials = GitCredentials(
                usernameEnv: c.string("usernameEnv"), passwordEnv: c.string("passwordEnv"), sshKeyFile: c.string("sshKeyFile"),
                knownHostsFile: c.string("knownHostsFile"))
            if (repo.credentials?.usernameEnv == nil) != (repo.credentials?.passwordEnv == nil) {
                reader.report(c.node, c.path, "usernameEnv and passwordEnv go together", fix: "set both, or neither")
            }
        }
        if let w = m.mapping("webhook", known: ["secretEnv"]), let secret = w.string("secretEnv", required: "DEPLOY_WEBHOOK_SECRET") {
            repo.webhook = WebhookSpec(secretEnv: secret)
        }
        if let v = m.mapping("verify", known: ["mode", "gpgKeys", "sshAllowedSigners"]) {
            let mode = v.has("mode") ? v.oneOf("mode", VerifySpec.Mode.self) : .commit
            let keys = v.strings("gpgKeys") ?? []
            let signers = v.string("sshAllowedSigners")
            if keys.isEmpty && signers == nil {
                reader.report(v.node, v.path, "verification needs keys to trust", fix: "add gpgKeys (armored public key files) or sshAllowedSigners")
            }
            if let mode { repo.verify = VerifySpec(mode: mode, gpgKeys: keys, sshAllowedSigners: signers) }
        }
        if let t = m.duration("fetchTimeout") { repo.fetchTimeout = t }
        readChartRepositoryFields(m, into: &repo)
        repo.decryption = readDecryption(m)
        return repo
    }

    static let applicationFields = ["name", "source", "destination", "sync", "dependsOn", "ignoreDifferences", "historyLimit", "pruneOnDelete", "decryption"]

    static func readApplication(_ node: Node, _ path: String, _ reader: ConfigReader) -> ApplicationSpec? {
        guard let m = reader.mapping(node, path, known: applicationFields) else { return nil }
        let name = m.string("name", required: "guestbook")
        if let name, !isDNSLabel(name), let n = m.value("name") {
            reader.report(n, m.childPath("name"), "\"\(name)\" is not a valid application name",
                          fix: "use lowercase letters, digits and '-', starting with a letter, at most 63 characters")
        }
        let source = m.require("source", example: "{ repository: deploy, revision: main, path: apps/guestbook }").flatMap { readSource($0, m.childPath("source"), reader) }
        let destination = m.require("destination", example: "{ target: local }").flatMap { n -> DestinationSpec? in
            guard let d = reader.mapping(n, m.childPath("destination"), known: ["target", "namespace"]),
                let target = d.string("target", required: "local")
            else { return nil }
            return DestinationSpec(target: target, namespace: d.string("namespace"))
        }
        var sync = SyncPolicy()
        if let s = m.mapping("sync", known: ["auto", "prune", "selfHeal", "interval", "autoRollback", "healthTimeout", "retry", "createNamespace", "force", "maxPrunePercent", "allowEmpty"]) {
            sync.auto = s.bool("auto") ?? sync.auto
            sync.prune = s.bool("prune") ?? sync.prune
            sync.selfHeal = s.bool("selfHeal") ?? sync.selfHeal
            sync.autoRollback = s.bool("autoRollback") ?? sync.autoRollback
            sync.createNamespace = s.bool("createNamespace") ?? sync.createNamespace
            sync.force = s.bool("force") ?? sync.force
            sync.allowEmpty = s.bool("allowEmpty") ?? sync.allowEmpty
            sync.maxPrunePercent = s.int("maxPrunePercent", range: 0...100) ?? sync.maxPrunePercent
            if let interval = s.duration("interval") {
                if interval < .seconds(1), let n = s.value("interval") {
                    reader.report(n, s.childPath("interval"), "an interval under one second would hammer Git", fix: "use at least 1s")
                } else {
                    sync.interval = interval
                }
            }
            sync.healthTimeout = s.duration("healthTimeout") ?? sync.healthTimeout
            if let r = s.mapping("retry", known: ["limit", "backoff", "maxBackoff"]) {
                if let limit = r.int("limit", range: -1...1000) { sync.retryLimit = limit < 0 ? nil : limit }
                sync.retryBackoff = r.duration("backoff") ?? sync.retryBackoff
                sync.retryMaxBackoff = r.duration("maxBackoff") ?? sync.retryMaxBackoff
            }
        }
        var ignores: [IgnoreDifference] = []
        for (n, p) in m.list("ignoreDifferences") {
            guard let i = reader.mapping(n, p, known: ["group", "kind", "name", "namespace", "jsonPointers"]),
                let kind = i.string("kind", required: "Deployment")
            else { continue }
            let pointers = i.strings("jsonPointers") ?? []
            if pointers.isEmpty { reader.report(n, p + ".jsonPointers", "no jsonPointers given", fix: "add `jsonPointers: [/spec/replicas]`") }
            for (k, pointer) in pointers.enumerated() where !pointer.hasPrefix("/") {
                reader.report(i.value("jsonPointers"), "\(p).jsonPointers[\(k)]", "\"\(pointer)\" is not a JSON pointer", fix: "start it with /, as /spec/replicas")
            }
            ignores.append(IgnoreDifference(group: i.string("group"), kind: kind, name: i.string("name"), namespace: i.string("namespace"), jsonPointers: pointers))
        }
        let decryption = readDecryption(m)
        guard let name, let source, let destination else { return nil }
        var spec = ApplicationSpec(
            name: name, source: source, destination: destination, sync: sync, dependsOn: m.strings("dependsOn") ?? [],
            ignoreDifferences: ignores, historyLimit: m.int("historyLimit", range: 1...10_000) ?? ApplicationSpec.defaultHistoryLimit,
            pruneOnDelete: m.bool("pruneOnDelete") ?? false)
        spec.decryption = decryption
        return spec
    }

    static func readSource(_ node: Node, _ path: String, _ reader: ConfigReader) -> SourceSpec? {
        guard let s = reader.mapping(node, path, known: ["repository", "revision", "path", "render", "helm", "varsFile", "chart", "jsonnet", "directory"]),
            let repository = s.string("repository", required: "deploy")
        else { return nil }
        var source = SourceSpec(repository: repository)
        if let revNode = s.value("revision") {
            switch revNode {
            case .mapping:
                if let r = reader.mapping(revNode, s.childPath("revision"), known: ["semver"]), let text = r.string("semver", required: "\">=1.4 <2\""), let n = r.value("semver") {
                    do { source.revision = .semver(try SemVerRange(text)) } catch {
                        reader.report(n, r.childPath("semver"), "bad semver range: \(error)", fix: "write a range like \">=1.4 <2\" or \"^1.4\"")
                    }
                }
            default:
                if let text = s.string("revision") {
                    if text.hasPrefix("semver:") {
                        let rangeText = String(text.dropFirst("semver:".count))
                        do { source.revision = .semver(try SemVerRange(rangeText)) } catch {
                            reader.report(revNode, s.childPath("revision"), "bad semver range: \(error)", fix: "write a range like \">=1.4 <2\"")
                        }
                    } else if text.isEmpty || text.contains("..") || text.contains(" ") || text.hasPrefix("-") {
                        reader.report(revNode, s.childPath("revision"), "\"\(text)\" is not a branch, tag or commit", fix: "name a branch (main), a tag (v1.4.0) or a commit SHA")
                    } else {
                        source.revision = .ref(text)
                    }
                }
            }
        }
        if let p = s.string("path"), let pn = s.value("path") {
            if p.hasPrefix("/") || p.split(separator: "/").contains("..") {
                reader.report(pn, s.childPath("path"), "\"\(p)\" leaves the repository", fix: "give a path inside the repository, relative to its root")
            } else {
                source.path = p.isEmpty ? "." : p
            }
        }
        source.render = s.oneOf("render", RenderKind.self)
        if let h = s.mapping("helm", known: ["releaseName", "valuesFiles", "values", "valuesFrom"]) {
            var helm = HelmOptions(releaseName: h.string("releaseName"), valuesFiles: h.strings("valuesFiles") ?? [])
            if let valuesNode = h.value("values") {
                do {
                    let decoder = YAMLDecoder()
                    var budget = decoder.maxNodes
                    if case .object(let o) = try decoder.convert(valuesNode, depth: 0, budget: &budget) { helm.values = o } else {
                        reader.report(valuesNode, h.childPath("values"), "expected a mapping of Helm values")
                    }
                } catch {
                    reader.report(valuesNode, h.childPath("values"), "cannot read the values: \(error)")
                }
            }
            helm.valuesFrom = readValuesFrom(h)
            source.helm = helm
        }
        source.varsFile = s.string("varsFile")
        readSourceOptions(s, into: &source)
        return source
    }

    static func readNotification(_ node: Node, _ path: String, _ reader: ConfigReader) -> NotificationSpec? {
        guard let m = reader.mapping(node, path, known: ["name", "url", "urlEnv", "format", "events", "applications"]),
            let name = m.string("name", required: "team-chat")
        else { return nil }
        var spec = NotificationSpec(name: name, urlEnv: m.string("urlEnv"), url: m.string("url"))
        if spec.url == nil && spec.urlEnv == nil {
            reader.report(node, path, "no url given", fix: "add `urlEnv: SLACK_WEBHOOK_URL` (keeps the secret out of the file) or `url:`")
        }
        spec.format = m.oneOf("format", NotificationSpec.Format.self) ?? .json
        if let events = m.strings("events"), let eventsNode = m.value("events") {
            spec.events = events.compactMap { e in
                if let ev = NotificationSpec.Event(rawValue: e) { return ev }
                let names = NotificationSpec.Event.allCases.map(\.rawValue)
                reader.report(eventsNode, m.childPath("events"), "unknown event \"\(e)\"",
                              fix: closestMatch(to: e, in: names).map { "did you mean \"\($0)\"?" } ?? "use \(names.joined(separator: ", "))")
                return nil
            }
        }
        spec.applications = m.strings("applications") ?? []
        return spec
    }

    // MARK: Cross-references

    static func crossCheck(_ config: Config, _ top: MappingView, _ reader: ConfigReader) {
        func listNodes(_ key: String) -> [Node] {
            if case .sequence(let seq)? = top.value(key) { return Array(seq) }
            return []
        }
        func field(_ node: Node, _ path: [String]) -> Node? {
            var current = node
            for key in path {
                guard case .mapping(let m) = current, let next = m[key] else { return nil }
                current = next
            }
            return current
        }
        func duplicates(_ key: String) {
            var seen: [String: Int] = [:]
            for (i, node) in listNodes(key).enumerated() {
                guard let nameNode = field(node, ["name"]), case .scalar(let s) = nameNode else { continue }
                if let first = seen[s.string] {
                    reader.report(nameNode, "\(key)[\(i)].name", "duplicate name \"\(s.string)\" (also \(key)[\(first)])", fix: "give each entry its own name")
                } else {
                    seen[s.string] = i
                }
            }
        }
        duplicates("targets")
        duplicates("repositories")
        duplicates("applications")
        duplicates("notifications")

        // Names as written, even of entries with other problems, so one mistake is reported once.
        func names(_ key: String) -> [String] {
            listNodes(key).compactMap { node in
                if case .scalar(let s)? = field(node, ["name"]) { return s.string }
                return nil
            }
        }
        for (i, repo) in config.repositories.enumerated() {
            let node = listNodes("repositories").indices.contains(i) ? field(listNodes("repositories")[i], ["url"]) : nil
            guard let scheme = RepositoryScheme(url: repo.url).map({ $0 == .oci && repo.plainHTTP ? .http : $0 }) else {
                reader.report(node, "repositories[\(i)].url", "\"\(repo.url)\" has a scheme Bosun does not fetch", fix: "use https://, ssh:// or git@host:org/repo")
                continue
            }
            if !config.repositorySchemes.contains(scheme) {
                reader.report(node, "repositories[\(i)].url",
                              scheme == .file ? "\"\(repo.url)\" is a repository on this machine's disk, which is off by default"
                                : "\"\(repo.url)\" uses \(scheme.rawValue), which is off by default",
                              fix: "to allow it, add `security: { repositorySchemes: [\((config.repositorySchemes.map(\.rawValue).sorted() + [scheme.rawValue]).joined(separator: ", "))] }`")
            }
        }
        crossCheckSources(config, repositoryNodes: listNodes("repositories"), applicationNodes: listNodes("applications"), reader)
        let targetNames = names("targets")
        let repoNames = names("repositories")
        let appNames = names("applications")
        crossCheckDeclarations(top, targets: targetNames, repositories: repoNames, reader: reader)
        // Names that sets generate or files in Git define are known only once listed: the engine checks them then.
        let namesComeLater = top.has("applicationSets") || top.has("include")
        let appNodes = listNodes("applications")
        for (i, node) in appNodes.enumerated() {
            guard case .scalar(let nameScalar)? = field(node, ["name"]) else { continue }
            let appName = nameScalar.string
            if let t = field(node, ["destination", "target"]), case .scalar(let s) = t, !targetNames.contains(s.string) {
                reader.report(t, "applications[\(i)].destination.target", "no target named \"\(s.string)\"",
                              fix: closestMatch(to: s.string, in: targetNames).map { "did you mean \"\($0)\"?" }
                                ?? (targetNames.isEmpty ? "declare it under targets:" : "declared targets: \(targetNames.joined(separator: ", "))"))
            }
            if let r = field(node, ["source", "repository"]), case .scalar(let s) = r, !repoNames.contains(s.string) {
                reader.report(r, "applications[\(i)].source.repository", "no repository named \"\(s.string)\"",
                              fix: closestMatch(to: s.string, in: repoNames).map { "did you mean \"\($0)\"?" }
                                ?? (repoNames.isEmpty ? "declare it under repositories:" : "declared repositories: \(repoNames.joined(separator: ", "))"))
            }
            if case .sequence(let deps)? = field(node, ["dependsOn"]) {
                for (j, dep) in deps.enumerated() {
                    guard case .scalar(let s) = dep else { continue }
                    if s.string == appName {
                        reader.report(dep, "applications[\(i)].dependsOn[\(j)]", "an application cannot depend on itself")
                    } else if !appNames.contains(s.string) && !namesComeLater {
                        reader.report(dep, "applications[\(i)].dependsOn[\(j)]", "no application named \"\(s.string)\"",
                                      fix: closestMatch(to: s.string, in: appNames).map { "did you mean \"\($0)\"?" })
                    }
                }
            }
        }
        if let cycle = dependencyCycle(config.applications) {
            let index = config.applications.firstIndex { $0.name == cycle[0] } ?? 0
            let node = index < appNodes.count ? field(appNodes[index], ["dependsOn"]) : nil
            reader.report(node, "applications[\(index)].dependsOn", "dependsOn cycle: \(cycle.joined(separator: " -> "))",
                          fix: "remove one of these dependencies")
        }
        // No tokens means "allow everything", which is only safe where nobody else can connect.
        if config.server.tokens.isEmpty, let host = parseListen(config.server.listen)?.host.lowercased(),
            !(host == "localhost" || host == "::1" || host.hasPrefix("127."))
        {
            let serverNode = top.value("server")
            reader.report(serverNode.flatMap { field($0, ["listen"]) } ?? serverNode, "server.listen",
                          "listening on \(config.server.listen) (beyond loopback) needs API tokens; without them anyone who can connect could sync and roll back",
                          fix: "add server.tokens (`bosun token create NAME --role admin` prints an entry), or listen on 127.0.0.1")
        }
        checkDecryption(config, top, reader)
        for (i, n) in config.notifications.enumerated() {
            for app in n.applications where !appNames.contains(app) && !namesComeLater {
                reader.report(listNodes("notifications").indices.contains(i) ? field(listNodes("notifications")[i], ["applications"]) : nil,
                              "notifications[\(i)].applications", "no application named \"\(app)\"")
            }
        }
    }

    /// The first cycle in the `dependsOn` graph, as a path that returns to its start.
    public static func dependencyCycle(_ apps: [ApplicationSpec]) -> [String]? {
        let edges = Dictionary(apps.map { ($0.name, $0.dependsOn) }, uniquingKeysWith: { a, _ in a })
        var state: [String: Int] = [:]  // 1: on the stack, 2: done
        var stack: [String] = []
        func visit(_ name: String) -> [String]? {
            state[name] = 1
            stack.append(name)
            for dep in edges[name] ?? [] where edges[dep] != nil && dep != name {
                if state[dep] == 1, let start = stack.firstIndex(of: dep) { return Array(stack[start...]) + [dep] }
                if state[dep] == nil, let cycle = visit(dep) { return cycle }
            }
            stack.removeLast()
            state[name] = 2
            return nil
        }
        for app in apps where state[app.name] == nil {
            if let cycle = visit(app.name) { return cycle }
        }
        return nil
    }

    static func isDNSLabel(_ s: String) -> Bool {
        guard let first = s.first, first.isLetter, first.isLowercase || !first.isLetter, s.count <= 63, s.last != "-" else { return false }
        return s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}

/// Where the first byte that is not UTF-8 is (1-based line and column, counted in bytes).
func firstInvalidUTF8(_ data: Data) -> (line: Int, column: Int) {
    var line = 1
    var lineStart = 0
    var index = 0
    let bytes = [UInt8](data)
    while index < bytes.count {
        let width: Int
        switch bytes[index] {
        case 0x00...0x7F: width = 1
        case 0xC2...0xDF: width = 2
        case 0xE0...0xEF: width = 3
        case 0xF0...0xF4: width = 4
        default: return (line, index - lineStart + 1)
        }
        let end = index + width
        guard end <= bytes.count, String(validating: bytes[index..<end], as: UTF8.self) != nil else {
            return (line, index - lineStart + 1)
        }
        if bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = end
        }
        index = end
    }
    return (line, index - lineStart + 1)
}

func describeFileError(_ error: any Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSCocoaErrorDomain && ns.code == NSFileReadNoSuchFileError { return "no such file" }
    return ns.localizedDescription
}
