import BosunCore
import Foundation

extension PodmanTarget {
    /// Makes every image the application's workloads name present, as Kubernetes' pull policies
    /// say (`IfNotPresent` skips an image already here, `Always` pulls, `Never` requires it), before
    /// any pod is replaced: a bad tag or an unreachable registry fails the sync with nothing touched.
    func ensureImages(app: String, including resource: Resource) async throws {
        var wanted: [(image: String, policy: String)] = []
        let workloads = Array((prepared.withLock { $0[app] ?? [:] }).values.filter { PodmanManifests.isWorkload($0.key) }) + [resource]
        for workload in workloads {
            for container in PodmanManifests.podSpec(workload.body).map({ PodmanManifests.containers($0) }) ?? [] {
                let image = container["image"]?.stringValue ?? ""
                if !image.isEmpty, !wanted.contains(where: { $0.image == image }) { wanted.append((image, PodmanManifests.pullPolicy(container))) }
            }
        }
        let done = ensured.withLock { $0[app] ?? [] }
        for (image, policy) in wanted where !done.contains(image) {
            switch policy {
            case "Never":
                guard try await imageExists(image) else {
                    throw TargetError(.invalid, "image \(image) is not on the machine and imagePullPolicy is Never; load it with podman pull or podman load first (no pod was replaced)")
                }
            case "Always":
                try await pull(image)
            default:
                let present = try await imageExists(image)
                if !present { try await pull(image) }
            }
            ensured.withLock { _ = $0[app, default: []].insert(image) }
        }
    }

    func imageExists(_ image: String) async throws -> Bool {
        try await client.status(.init(path: "/images/\(image)/exists", operation: "image-exists"), notFoundIsOK: true) != 404
    }

    /// `POST /libpod/images/pull`, with the target's credentials and TLS choice; the streamed
    /// answer's `error` line is the failure.
    func pull(_ image: String) async throws {
        var query = [("reference", image), ("policy", "always"), ("quiet", "true")]
        let registry = image.split(separator: "/").first.map(String.init) ?? ""
        if image.contains("/"), connection.insecureRegistries.contains(registry) { query.append(("tlsVerify", "false")) }
        var headers: [(String, String)] = []
        if let credentials = connection.credentials {
            let auth: JSONValue = ["username": .string(credentials.username), "password": .string(credentials.password)]
            headers.append(("X-Registry-Auth", Data(auth.jsonString().utf8).base64EncodedString()))
        }
        logger.info("pulling image", metadata: ["image": "\(image)", "target": "\(name)"])
        let call = PodmanClient.Call(method: .POST, path: "/images/pull", query: query, headers: headers, operation: "pull")
        var failure: String?
        var pulled = false
        do {
            for try await line in try await client.lines(call, timeout: max(connection.requestTimeout, .seconds(300))) {
                guard let report = try? JSONParser.parse(line) else { continue }
                if let error = report["error"]?.stringValue, !error.isEmpty { failure = error }
                if report["id"]?.stringValue?.isEmpty == false || report["images"]?.arrayValue?.isEmpty == false { pulled = true }
            }
        } catch let error as TargetError {
            failure = error.message
        }
        if let failure {
            // A tag or repository the registry does not have will not appear by retrying; an outage may pass.
            let missing = ["manifest unknown", "not found", "name unknown", "does not exist"].contains { failure.localizedCaseInsensitiveContains($0) }
            throw TargetError(missing ? .invalid : .transient, "pulling image \(image) failed, so no pod was replaced: \(failure)")
        }
        if !pulled { throw TargetError(.transient, "pulling image \(image) ended without an image; no pod was replaced") }
    }
}
