import BosunCore
import Foundation
import Testing

@testable import KubernetesSimulator

/// Helpers shared by the simulator's tests.
enum Fixtures {
    /// Options for fast in-process tests: quick controllers, no network surprises.
    static func options(controllers: Bool = true, delayMilliseconds: Int = 50, watchWindow: Int = 1000) -> SimulatorOptions {
        var options = SimulatorOptions()
        options.controllersEnabled = controllers
        options.controllerDelayMilliseconds = delayMilliseconds
        options.progressDeadlineSeconds = 1
        options.watchWindow = watchWindow
        return options
    }

    static func yaml(_ text: String) throws -> JSONObject {
        guard let object = try YAMLDecoder().value(text).objectValue else {
            throw SimulatorError(message: "fixture is not a YAML mapping")
        }
        return object
    }

    static func deployment(_ name: String, image: String = "nginx:1.27", replicas: Int = 2, namespace: String = "default") -> JSONObject {
        [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": ["app": .string(name)]],
            "spec": [
                "replicas": .int(replicas), "selector": ["matchLabels": ["app": .string(name)]],
                "template": [
                    "metadata": ["labels": ["app": .string(name)]],
                    "spec": ["containers": [["name": "web", "image": .string(image), "ports": [["containerPort": 80]]]]],
                ],
            ],
        ]
    }

    static func configMap(_ name: String, data: [String: String], labels: [String: String] = [:], namespace: String = "default") -> JSONObject {
        var metadata: JSONObject = ["name": .string(name), "namespace": .string(namespace)]
        if !labels.isEmpty { metadata["labels"] = .object(JSONObject(labels.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value)) })) }
        var object: JSONObject = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(metadata)]
        if !data.isEmpty {
            object["data"] = .object(JSONObject(data.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value)) }))
        }
        return object
    }
}

extension KubernetesAPI {
    var deployments: ResourceType { type(group: "apps", kind: "Deployment") }
    var configMaps: ResourceType { type(group: "", kind: "ConfigMap") }
    var namespaces: ResourceType { type(group: "", kind: "Namespace") }
}

extension StoredObject {
    subscript(path: String...) -> JSONValue? { JSONValue.object(object)[path: path] }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP client for checking what the simulator sends on the wire.
struct HTTPTestClient {
    let baseURL: String
    var token: String?

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }
    }

    func send(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json", accept: String? = nil) async throws -> Reply {
        guard let url = URL(string: baseURL + path) else { throw SimulatorError(message: "bad URL \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw SimulatorError(message: "not an HTTP response") }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return Reply(status: http.statusCode, headers: headers, body: String(decoding: data, as: UTF8.self))
    }
}
