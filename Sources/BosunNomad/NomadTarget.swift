import BosunCore
import Foundation
import Logging
import Synchronization

/// A Nomad cluster as a deployment target. Job files become jobs in `prepare` (HCL through the
/// cluster's `/v1/jobs/parse`); `live` reads every job with one list call and re-reads only jobs
/// whose `ModifyIndex` moved; `apply` plans and then registers with check-and-set on the plan's
/// index; `delete` deregisters; health comes from deployments and allocations.
public final class NomadTarget: DeploymentTarget {
    public let name: String
    public let client: NomadClient
    let logger: Logger

    /// A job as last read: the index it was read at and what the engine sees.
    struct CachedJob: Sendable {
        var modifyIndex: Int
        var jobModifyIndex: Int
        var version: Int
        var type: String
        var resource: Resource
        /// The list stub's allocation summary, so health is recomputed only when it moves.
        var summary: String
    }

    /// Parsed job files by (content, variables), so a compare does not parse again.
    let parsed = Mutex<[String: JSONObject]>([:])
    let jobs = Mutex<[ResourceKey: CachedJob]>([:])
    /// The `JobModifyIndex` of Bosun's last register of each job: its deployment is the one judged.
    let registered = Mutex<[ResourceKey: Int]>([:])
    let healthCache = Mutex<[ResourceKey: (fingerprint: String, health: HealthStatus)]>([:])
    /// The blocking-query loops of `changes()`, cancelled at shutdown.
    let watchers = Mutex<[Task<Void, Never>]>([])
    /// How long one blocking query waits for a change (Nomad caps it at 10 minutes).
    let watchWait: Duration

    public init(name: String, client: NomadClient, watchWait: Duration = .seconds(300), logger: Logger = Logger(label: "bosun.nomad")) {
        self.name = name
        self.watchWait = watchWait
        self.client = client
        self.logger = logger
    }

    public var metrics: RequestCounts { client.metrics }

    public func shutdown() async {
        for watcher in watchers.withLock({ $0 }) { watcher.cancel() }
        await client.shutdown()
    }

    // MARK: Prepare

    /// Turns `JobFile`s into jobs (`nomad/v1` `Job`, the API job under `spec`); jobs written as
    /// resources pass through. Anything else is refused, naming the file.
    public func prepare(_ resources: [Resource], context: AppContext) async throws -> [Resource] {
        let namespace = context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? client.connection.namespace
        var out: [Resource] = []
        var seen: [ResourceKey: String] = [:]
        for resource in resources {
            let origin = resource.source?.file ?? resource.key.shortDescription
            let job: JSONObject
            if resource.kind == "JobFile", resource.group == "nomad.bosun.dev" {
                job = try await parse(resource)
            } else if resource.kind == NomadJobResource.kind, resource.group == "nomad" {
                job = resource.body["spec"]?.objectValue ?? JSONObject()
            } else {
                throw TargetError(.invalid, "\(origin): \(resource.apiVersion) \(resource.kind) is not a Nomad job; target \"\(name)\" takes job files (*.nomad.hcl, *.nomad, *.nomad.json)")
            }
            guard let id = job["ID"]?.stringValue, !id.isEmpty else {
                throw TargetError(.invalid, "\(origin): the job has no ID; give it one (job \"name\" { ... } in HCL, \"ID\" in JSON)")
            }
            let prepared = NomadJobResource.desired(job: job, defaultNamespace: namespace, source: resource.source)
            if let first = seen[prepared.key] {
                throw TargetError(.invalid, "\(origin): job \"\(id)\" in namespace \"\(prepared.namespace)\" is also declared in \(first); keep one")
            }
            seen[prepared.key] = origin
            out.append(prepared)
        }
        return out
    }

    /// The API job of one job file: JSON directly (bare or wrapped in `{"Job": ...}`), HCL through Nomad.
    func parse(_ file: Resource) async throws -> JSONObject {
        let path = file["spec", "path"]?.stringValue ?? file.name
        let content = file["spec", "content"]?.stringValue ?? ""
        if file["spec", "format"]?.stringValue == "json" {
            do {
                let value = try JSONParser.parse(content)
                if let wrapped = value["Job"]?.objectValue { return wrapped }
                if let job = value.objectValue { return job }
                throw TargetError(.invalid, "\(path): the file is not a JSON object; write the job as Nomad's API JSON")
            } catch let error as JSONParseError {
                throw TargetError(.invalid, "\(path):\(error.line): invalid JSON: \(error.message)")
            }
        }
        let variables = file["spec", "variables"]?.stringValue ?? ""
        let cacheKey = content + "\u{0}" + variables
        if let hit = parsed.withLock({ $0[cacheKey] }) { return hit }
        let call = NomadClient.Call(
            method: .POST, path: "/v1/jobs/parse",
            body: ["JobHCL": .string(content), "Variables": .string(variables), "Canonicalize": false], operation: "parse")
        let job: JSONObject
        do {
            guard let answer = try await client.json(call)?.objectValue else {
                throw TargetError(.transient, "Nomad answered the parse of \(path) with no job")
            }
            job = answer
        } catch let error as TargetError where error.code == .invalid {
            // Nomad's text carries the line and column; say which file it is about.
            // Nomad calls the submitted text input.hcl; name the file in Git instead.
            let text = error.message.replacingOccurrences(of: "Nomad refused POST /v1/jobs/parse: ", with: "")
                .replacingOccurrences(of: "input.hcl:", with: "\(path):")
            throw TargetError(.invalid, "\(path): Nomad could not parse the job file: \(text)")
        }
        parsed.withLock { cache in
            if cache.count > 4096 { cache.removeAll() }
            cache[cacheKey] = job
        }
        return job
    }

    // MARK: Live

    /// One `GET /v1/jobs?meta=true` for every namespace; a job is read again only when its
    /// `ModifyIndex` moved since it was last read.
    public func live(keys: Set<ResourceKey>, context: AppContext) async throws -> [ResourceKey: Resource] {
        let list = try await client.json(.init(method: .GET, path: "/v1/jobs", query: [("namespace", "*"), ("meta", "true")], operation: "list"))
        var wanted: [(key: ResourceKey, stub: JSONValue)] = []
        for stub in list?.arrayValue ?? [] {
            let key = NomadJobResource.key(namespace: stub["Namespace"]?.stringValue ?? "default", id: stub["ID"]?.stringValue ?? "")
            let app = stub["Meta"]?[NomadJobResource.metaApp]?.stringValue
            if keys.contains(key) || app == context.app { wanted.append((key, stub)) }
        }
        let cached = jobs.withLock { $0 }
        var result: [ResourceKey: Resource] = [:]
        var stale: [(key: ResourceKey, stub: JSONValue)] = []
        for entry in wanted {
            let index = entry.stub["ModifyIndex"]?.intValue ?? -1
            let summary = entry.stub["JobSummary"]?["Summary"].map { $0.jsonString() } ?? ""
            if var hit = cached[entry.key], hit.modifyIndex == index {
                hit.summary = summary
                jobs.withLock { $0[entry.key] = hit }
                result[entry.key] = hit.resource
            } else {
                stale.append(entry)
            }
        }
        let client = self.client
        try await withThrowingTaskGroup(of: (ResourceKey, CachedJob?).self) { group in
            var pending = stale[...]
            func next() {
                guard let entry = pending.popFirst() else { return }
                group.addTask {
                    let call = NomadClient.Call(
                        method: .GET, path: "/v1/job/\(NomadClient.escape(entry.key.name))", query: [("namespace", entry.key.namespace)],
                        operation: "read", key: entry.key)
                    guard let job = try await client.json(call, notFoundIsNil: true)?.objectValue else { return (entry.key, nil) }
                    let summary = entry.stub["JobSummary"]?["Summary"].map { $0.jsonString() } ?? ""
                    return (entry.key, CachedJob(
                        modifyIndex: job["ModifyIndex"]?.intValue ?? -1, jobModifyIndex: job["JobModifyIndex"]?.intValue ?? -1, version: job["Version"]?.intValue ?? 0,
                        type: job["Type"]?.stringValue ?? "service", resource: NomadJobResource.live(job: job), summary: summary))
                }
            }
            for _ in 0..<8 { next() }
            while let (key, job) = try await group.next() {
                if let job {
                    jobs.withLock { $0[key] = job }
                    result[key] = job.resource
                }
                next()
            }
        }
        return result
    }

    // MARK: Apply

    /// Plans, then registers with `EnforceIndex` on the plan's `JobModifyIndex`: a job someone
    /// changed in between is reported as a conflict, not overwritten blindly.
    public func apply(_ resource: Resource, context: AppContext, dryRun: Bool) async throws -> Resource {
        let key = resource.key
        let job = NomadJobResource.apiJob(resource, commit: context.commit)
        let plan = try await self.plan(job, key: key)
        if dryRun { return resource }
        let planIndex = plan["JobModifyIndex"]?.intValue ?? 0
        let call = NomadClient.Call(
            method: .POST, path: "/v1/jobs", query: [("namespace", key.namespace)],
            body: ["Job": .object(job), "EnforceIndex": true, "JobModifyIndex": .int(planIndex)], operation: "register")
        let answer: JSONValue?
        do {
            answer = try await client.json(call)
        } catch let error as TargetError where error.code == .conflict {
            throw TargetError(
                .conflict,
                "job \"\(key.name)\" in namespace \"\(key.namespace)\" was changed in Nomad by someone else after Bosun planned it at index \(planIndex) (\(error.message)); Bosun did not overwrite it and plans again on the next sync",
                // A retry plans again against what Nomad holds now, so it is worth one.
                retryAfter: 1)
        }
        let index = answer?["JobModifyIndex"]?.intValue ?? 0
        registered.withLock { $0[key] = index }
        healthCache.withLock { $0[key] = nil }
        logger.debug("registered", metadata: ["job": "\(key)", "index": "\(index)"])
        return resource
    }

    func plan(_ job: JSONObject, key: ResourceKey) async throws -> JSONValue {
        let call = NomadClient.Call(
            method: .POST, path: "/v1/job/\(NomadClient.escape(key.name))/plan", query: [("namespace", key.namespace)],
            body: ["Job": .object(job), "Diff": true], operation: "plan")
        return try await client.json(call) ?? .null
    }

    /// The change as `nomad job plan` prints it.
    public func preview(_ resource: Resource, context: AppContext) async throws -> String? {
        let job = NomadJobResource.apiJob(resource, commit: context.commit)
        return NomadPlanText.render(try await plan(job, key: resource.key))
    }

    // MARK: Delete

    /// Deregisters the job (purged when the target says `purge: true`), only when its tracking
    /// id names this application.
    public func delete(_ key: ResourceKey, context: AppContext) async throws {
        if let cached = jobs.withLock({ $0[key] }),
            let tracking = cached.resource.annotation(Annotations.trackingID),
            tracking != Annotations.trackingID(app: context.app, key: key)
        {
            throw TargetError(.conflict, "job \"\(key.name)\" belongs to \(tracking), not to application \(context.app); not deregistering it")
        }
        let call = NomadClient.Call(
            method: .DELETE, path: "/v1/job/\(NomadClient.escape(key.name))",
            query: [("namespace", key.namespace), ("purge", client.connection.purge ? "true" : "false")], operation: "deregister")
        _ = try await client.json(call, notFoundIsNil: true)
        jobs.withLock { $0[key] = nil }
        registered.withLock { $0[key] = nil }
        healthCache.withLock { $0[key] = nil }
    }
}
