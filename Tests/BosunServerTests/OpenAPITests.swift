import BosunCore
import BosunTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The OpenAPI document is the contract: every route the server has is in it, and every
/// operation in it answers with a status it documents.
@Suite struct OpenAPITests {
    static func document(_ client: any TestClientProtocol) async throws -> JSONValue {
        let response = try await client.execute(uri: "/api/v1/openapi.yaml", method: .get)
        #expect(response.status == .ok)
        #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
        return try YAMLDecoder().value(response.text)
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationExists() async throws {
        let h = try await ServerHarness()
        defer { Task { await h.cleanup() } }
        let document = try await h.withRouter { try await Self.document($0) }
        #expect(document["openapi"]?.stringValue?.hasPrefix("3.") == true)
        var documented: Set<String> = []
        for entry in document["paths"]?.objectValue ?? [:] {
            for operation in entry.value.objectValue ?? [:] { documented.insert("\(operation.key.uppercased()) \(entry.key)") }
        }
        let served = Set(h.server.makeRouter().routes.map { "\($0.method) \($0.path)" })
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        #expect(served.count > 25)
    }

    @Test func everyOperationAnswersWithADocumentedStatus() async throws {
        let h = try await ServerHarness(tokens: ServerHarness.tokenSpecs, webhookSecrets: ["repo": "s3cret"])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        let syncID = try #require(try await h.history().first?.id)
        try await h.withRouter { client in
            let document = try await Self.document(client)
            for entry in document["paths"]?.objectValue ?? [:] {
                for operation in entry.value.objectValue ?? [:] {
                    let method = HTTPRequest.Method(rawValue: operation.key.uppercased()) ?? .get
                    var path = entry.key.replacingOccurrences(of: "{name}", with: "app").replacingOccurrences(of: "{id}", with: "\(syncID)")
                        .replacingOccurrences(of: "{provider}", with: "github")
                    // The stream never ends; ask for one that cannot exist to get a finite answer.
                    if path == "/api/v1/events/stream" { path += "?app=nope" }
                    var headers = ServerHarness.bearer(.admin)
                    headers[.contentType] = "application/json"
                    let response = try await client.execute(uri: path, method: method, headers: headers,
                                                            body: method == .post ? ByteBuffer(string: "{}") : nil)
                    let documentedCodes = operation.value["responses"]?.objectValue?.keys ?? []
                    #expect(documentedCodes.contains(String(response.status.code)),
                            "\(method) \(path) answered \(response.status.code), documented: \(documentedCodes)")
                    if response.status.code >= 400, response.headers[.contentType] == "application/json" {
                        #expect(response.json?[path: ["error", "code"]]?.stringValue != nil, "\(method) \(path): error shape")
                        #expect(response.json?[path: ["error", "message"]]?.stringValue != nil, "\(method) \(path): error shape")
                    }
                }
            }
        }
    }
}
