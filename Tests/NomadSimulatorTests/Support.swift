import BosunCore
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
@testable import NomadSimulator

/// An HTTP answer from the simulator.
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var text: String

    var json: JSONValue {
        get throws { try JSONParser.parse(text) }
    }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    var index: Int? { header("X-Nomad-Index").flatMap { Int($0) } }
}

/// A running simulator plus a small client that talks to it over real HTTP on loopback.
struct Harness {
    let simulator: NomadSimulator
    var token: String?

    static func start(_ configure: (inout NomadSimulatorOptions) -> Void = { _ in }) async throws -> Harness {
        var options = NomadSimulatorOptions()
        options.deployDelay = .milliseconds(200)
        configure(&options)
        return Harness(simulator: try await NomadSimulator.start(options))
    }

    func stop() async { await simulator.stop() }

    func send(_ method: String, _ path: String, body: JSONValue? = nil, token: String? = nil) async throws -> HTTPAnswer {
        try await Self.send(method, simulator.address + path, body: body, token: token ?? self.token)
    }

    static func send(_ method: String, _ url: String, body: JSONValue? = nil, token: String? = nil, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        guard let target = URL(string: url) else { throw URLError(.badURL) }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.timeoutInterval = 60
        if let body { request.httpBody = Data(body.jsonString().utf8) }
        if let token { request.setValue(token, forHTTPHeaderField: "X-Nomad-Token") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] {
            if let k = key as? String, let v = value as? String { fields[k] = v }
        }
        return HTTPAnswer(status: http?.statusCode ?? 0, headers: fields, text: String(decoding: data, as: UTF8.self))
    }

    func get(_ path: String) async throws -> HTTPAnswer { try await send("GET", path) }

    /// Parses HCL through `/v1/jobs/parse`, as Bosun's Nomad target will.
    func parse(_ hcl: String, variables: String = "", canonicalize: Bool = true) async throws -> HTTPAnswer {
        try await send("POST", "/v1/jobs/parse", body: ["JobHCL": .string(hcl), "Variables": .string(variables), "Canonicalize": .bool(canonicalize)])
    }

    func parsedJob(_ hcl: String, variables: String = "") async throws -> JSONValue {
        let answer = try await parse(hcl, variables: variables)
        #expect(answer.status == 200, "parse failed: \(answer.text)")
        return try answer.json
    }

    func register(_ job: JSONValue, namespace: String? = nil, enforceIndex: Bool? = nil, jobModifyIndex: Int? = nil) async throws -> HTTPAnswer {
        var body: JSONObject = ["Job": job]
        if let enforceIndex { body["EnforceIndex"] = .bool(enforceIndex) }
        if let jobModifyIndex { body["JobModifyIndex"] = .int(jobModifyIndex) }
        let query = namespace.map { "?namespace=\($0)" } ?? ""
        return try await send("POST", "/v1/jobs\(query)", body: .object(body))
    }

    func plan(_ job: JSONValue, id: String) async throws -> JSONValue {
        let answer = try await send("POST", "/v1/job/\(id)/plan", body: ["Job": job, "Diff": true])
        #expect(answer.status == 200, "plan failed: \(answer.text)")
        return try answer.json
    }

    /// Follows a job's latest deployment with blocking queries until `done` holds (bounded).
    func waitForDeployment(_ id: String, until done: (JSONValue) -> Bool) async throws -> JSONValue {
        var index = 0
        for _ in 0..<50 {
            let answer = try await get("/v1/job/\(id)/deployment?index=\(index)&wait=5s")
            let deployment = try answer.json
            if done(deployment) { return deployment }
            index = answer.index ?? index
        }
        Issue.record("deployment of \(id) never reached the expected state")
        return .null
    }

    /// Follows a job with blocking queries until `done` holds (bounded).
    func waitForJob(_ id: String, namespace: String = "default", until done: (JSONValue) -> Bool) async throws -> JSONValue {
        var index = 0
        for _ in 0..<50 {
            let answer = try await get("/v1/job/\(id)?namespace=\(namespace)&index=\(index)&wait=5s")
            let job = try answer.json
            if done(job) { return job }
            index = answer.index ?? index
        }
        Issue.record("job \(id) never reached the expected state")
        return .null
    }
}

/// Fixture files beside the tests.
enum Fixture {
    static func text(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/\(name)"])
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func json(_ name: String) throws -> JSONValue { try JSONParser.parse(try text(name)) }
}

/// Differences between `actual` and the shape of a documented Nomad response: every key the
/// documentation shows must be present with the same kind of value (a documented `null` allows
/// anything). Members named in `maps` have free keys: each value is checked against the
/// documented example's first value.
func shapeDifferences(_ actual: JSONValue, _ documented: JSONValue, path: String = "", maps: Set<String> = []) -> [String] {
    switch (documented, actual) {
    case (.null, _): return []
    case (.object(let doc), .object(let act)):
        var problems: [String] = []
        let key = path.split(separator: ".").last.map(String.init) ?? ""
        if maps.contains(key) {
            guard let example = doc.entries.first?.value else { return [] }
            for entry in act { problems += shapeDifferences(entry.value, example, path: "\(path).\(entry.key)", maps: maps) }
            return problems
        }
        for entry in doc {
            guard let value = act[entry.key] else {
                problems.append("\(path).\(entry.key) is missing")
                continue
            }
            problems += shapeDifferences(value, entry.value, path: "\(path).\(entry.key)", maps: maps)
        }
        return problems
    case (.array(let doc), .array(let act)):
        guard let example = doc.first else { return [] }
        return act.enumerated().flatMap { shapeDifferences($0.element, example, path: "\(path)[\($0.offset)]", maps: maps) }
    case (.int, .int), (.int, .double), (.double, .int), (.double, .double), (.string, .string), (.bool, .bool):
        return []
    default:
        return ["\(path) is \(actual.typeName), documented as \(documented.typeName)"]
    }
}

let simpleJob = """
    job "web" {
      datacenters = ["dc1"]
      meta = {
        "bosun.app" = "shop"
      }
      group "app" {
        count = 2
        update {
          max_parallel = 1
          auto_revert  = true
        }
        task "server" {
          driver = "docker"
          config {
            image = "nginx:${var.tag}"
          }
        }
      }
    }

    variable "tag" {
      type    = string
      default = "1.25"
    }
    """

/// A one-group, one-task jobspec (HCL forbids nested blocks on one line, so this spells it out).
func jobspec(_ name: String, type: String = "service", groups: [String] = ["g"], driver: String = "docker", image: String? = nil) -> String {
    var hcl = "job \"\(name)\" {\n  type = \"\(type)\"\n"
    for group in groups {
        hcl += "  group \"\(group)\" {\n    task \"t\" {\n      driver = \"\(driver)\"\n"
        if let image { hcl += "      config {\n        image = \"\(image)\"\n      }\n" }
        hcl += "    }\n  }\n"
    }
    return hcl + "}\n"
}
