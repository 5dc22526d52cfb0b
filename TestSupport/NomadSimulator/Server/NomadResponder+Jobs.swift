import BosunCore
import Foundation

/// The `/v1/jobs`, `/v1/jobs/parse` and `/v1/job/:id/...` endpoints, with Nomad's checks and wording.
extension NomadResponder {
    func listJobs(_ request: APIRequest) async throws(NomadAPIError) -> APIResponse {
        try authorize(request, .read)
        var filter: FilterExpression?
        if let text = request.value("filter"), !text.isEmpty {
            do {
                filter = try FilterExpression(text)
            } catch {
                throw NomadAPIError(400, "failed to create result paginator: failed to read filter expression: \(error)")
            }
        }
        let meta = try parseBool(request, "meta") ?? false
        let namespace = request.namespace
        let prefix = request.value("prefix") ?? ""
        let (index, list) = try await blocking(request) { [filter] in
            await state.listJobs(namespace: namespace, prefix: prefix, filter: filter, meta: meta)
        }
        return APIResponse(body: list, index: index, isQuery: true)
    }

    func parseBool(_ request: APIRequest, _ field: String) throws(NomadAPIError) -> Bool? {
        guard let text = request.value(field), !text.isEmpty else { return nil }
        switch text.lowercased() {
        case "1", "t", "true": return true
        case "0", "f", "false": return false
        default:
            throw NomadAPIError(
                500, "Failed to parse value of \"\(field)\" (\(text)) as a bool: strconv.ParseBool: parsing \"\(text)\": invalid syntax")
        }
    }

    func parse(_ request: APIRequest) throws(NomadAPIError) -> APIResponse {
        try authorize(request, .write)
        let body = try request.jsonBody()
        let hcl = body.string("JobHCL") ?? ""
        if hcl.isEmpty { throw NomadAPIError(400, "Job spec is empty") }
        do {
            var job = try JobspecParser.parse(hcl, variables: body.string("Variables") ?? "")
            if body.bool("Canonicalize") ?? false { job = JobCanonicalizer.canonicalize(job) }
            return APIResponse(body: .object(job), index: nil, isQuery: false)
        } catch {
            throw NomadAPIError(400, "Failed to parse job: \(error.message)")
        }
    }

    /// Namespace of a write: the query parameter, else the body's, else the job's, else `default`.
    private func writeNamespace(_ request: APIRequest, body: JSONObject, job: JSONObject?) -> String {
        if let ns = request.value("namespace"), !ns.isEmpty { return ns }
        if let ns = body.string("Namespace"), !ns.isEmpty { return ns }
        if let ns = job?.string("Namespace"), !ns.isEmpty { return ns }
        return "default"
    }

    func register(_ request: APIRequest, jobID: String?) async throws(NomadAPIError) -> APIResponse {
        try authorize(request, .write)
        let body = try request.jsonBody()
        guard let job = body.object("Job") else { throw NomadAPIError(400, "Job must be specified") }
        guard let id = job.string("ID") else { throw NomadAPIError(400, "Job ID hasn't been provided") }
        if let jobID, !jobID.isEmpty, id != jobID { throw NomadAPIError(400, "Job ID does not match name") }
        let response = try await state.register(
            job, namespace: writeNamespace(request, body: body, job: job), enforceIndex: body.bool("EnforceIndex") ?? false,
            jobModifyIndex: body.int("JobModifyIndex") ?? 0)
        return APIResponse(body: .object(response), index: response.int("Index"), isQuery: false)
    }

    func plan(_ request: APIRequest, id: String) async throws(NomadAPIError) -> APIResponse {
        guard request.method == "PUT" || request.method == "POST" else { throw NomadAPIError(405, "Invalid method") }
        try authorize(request, .write)
        let body = try request.jsonBody()
        guard let job = body.object("Job") else { throw NomadAPIError(400, "Job must be specified") }
        guard let jobID = job.string("ID") else { throw NomadAPIError(400, "Job must have a valid ID") }
        if !id.isEmpty && jobID != id { throw NomadAPIError(400, "Job ID does not match") }
        let response = try await state.plan(
            job, namespace: writeNamespace(request, body: body, job: job), diff: body.bool("Diff") ?? false)
        return APIResponse(body: .object(response), index: response.int("Index"), isQuery: false)
    }

    func readJob(_ request: APIRequest, id: String) async throws(NomadAPIError) -> APIResponse {
        try authorize(request, .read)
        let namespace = request.namespace
        let (index, job) = try await blocking(request) { await state.readJob(namespace, id) }
        guard let job else { throw NomadAPIError(404, "job not found") }
        return APIResponse(body: .object(job), index: index, isQuery: true)
    }

    func versions(_ request: APIRequest, id: String) async throws(NomadAPIError) -> APIResponse {
        try authorize(request, .read)
        let namespace = request.namespace
        let diffs = try parseBool(request, "diffs") ?? false
        let (index, body) = try await blocking(request) { await state.readVersions(namespace, id, diffs: diffs) }
        guard let body else { throw NomadAPIError(404, "job versions not found") }
        return APIResponse(body: body, index: index, isQuery: true)
    }

    func revert(_ request: APIRequest, id: String) async throws(NomadAPIError) -> APIResponse {
        guard request.method == "PUT" || request.method == "POST" else { throw NomadAPIError(405, "Invalid method") }
        try authorize(request, .write)
        let body = try request.jsonBody()
        let jobID = body.string("JobID") ?? ""
        if jobID.isEmpty { throw NomadAPIError(400, "JobID must be specified") }
        if jobID != id { throw NomadAPIError(400, "Job ID does not match") }
        let namespace = writeNamespace(request, body: body, job: nil)
        let response = try await state.revert(
            namespace, id, to: body.int("JobVersion") ?? 0, enforcePriorVersion: body.int("EnforcePriorVersion"))
        return APIResponse(body: .object(response), index: response.int("Index"), isQuery: true)
    }

    func deregister(_ request: APIRequest, id: String) async throws(NomadAPIError) -> APIResponse {
        try authorize(request, .write)
        let purge = try parseBool(request, "purge") ?? false
        let response = await state.deregister(request.namespace, id, purge: purge)
        return APIResponse(body: .object(response), index: response.int("Index"), isQuery: false)
    }

    func allocations(_ request: APIRequest, id: String) async throws(NomadAPIError) -> APIResponse {
        try authorize(request, .read)
        let namespace = request.namespace
        let (index, list) = try await blocking(request) { await state.readAllocations(namespace, id) }
        return APIResponse(body: list, index: index, isQuery: true)
    }

    func deployments(_ request: APIRequest, id: String) async throws(NomadAPIError) -> APIResponse {
        try authorize(request, .read)
        let namespace = request.namespace
        let (index, list) = try await blocking(request) { await state.readDeployments(namespace, id) }
        return APIResponse(body: list, index: index, isQuery: true)
    }

    func latestDeployment(_ request: APIRequest, id: String) async throws(NomadAPIError) -> APIResponse {
        try authorize(request, .read)
        let namespace = request.namespace
        let (index, deployment) = try await blocking(request) { await state.readLatestDeployment(namespace, id) }
        return APIResponse(body: deployment, index: index, isQuery: true)
    }

    func summary(_ request: APIRequest, id: String) async throws(NomadAPIError) -> APIResponse {
        try authorize(request, .read)
        let namespace = request.namespace
        let (index, job) = try await blocking(request) { await state.readJob(namespace, id) }
        guard let job else { throw NomadAPIError(404, "job not found") }
        return APIResponse(body: .object(await state.summary(job)), index: index, isQuery: true)
    }

    func namespace(_ request: APIRequest, name: String) async throws(NomadAPIError) -> APIResponse {
        switch request.method {
        case "PUT", "POST":
            try authorize(request, .write)
            await state.createNamespace(name)
            return APIResponse(body: .null, index: await state.index, isQuery: false)
        case "GET":
            try authorize(request, .read)
            let (index, list) = await state.namespaceList()
            guard let found = list.arrayValue?.first(where: { $0["Name"]?.stringValue == name }) else {
                throw NomadAPIError(404, "namespace not found")
            }
            return APIResponse(body: found, index: index, isQuery: true)
        default:
            throw NomadAPIError(405, "Invalid method")
        }
    }
}
