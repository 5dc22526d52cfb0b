import BosunCore
import Foundation
import Testing

@testable import BosunHost

@Suite("Host manifest validation")
struct ValidationTests {
    let host: HostFixture

    init() throws { host = try HostFixture() }

    /// The error prepare raises for `resources`, or nil.
    func prepareError(_ resources: [Resource]) async -> TargetError? {
        do {
            _ = try await host.target.prepare(resources, context: host.context)
            return nil
        } catch {
            return error as? TargetError
        }
    }

    @Test("kinds and apiVersions other than File and Process of host.bosun.dev/v1 are refused")
    func unknownKind() async {
        defer { host.remove() }
        let deployment = Resource(["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"], "spec": [:]] as JSONObject)
        let error = await prepareError([deployment])
        #expect(error?.code == .invalid)
        #expect(error?.key?.name == "web")
        #expect(error?.message.contains("File and Process of host.bosun.dev/v1") == true)
        #expect(error?.message.contains("apps/v1 Deployment") == true)

        let oldVersion = Resource(["apiVersion": "host.bosun.dev/v2", "kind": "File", "metadata": ["name": "x"], "spec": ["path": "x"]] as JSONObject)
        #expect(await prepareError([oldVersion]) != nil)
    }

    @Test("missing and ill-typed fields name the field")
    func fieldErrors() async {
        defer { host.remove() }
        let noPath = Resource(["apiVersion": "host.bosun.dev/v1", "kind": "File", "metadata": ["name": "f"], "spec": ["content": "x"]] as JSONObject)
        #expect(await prepareError([noPath])?.message.contains("spec.path: missing") == true)
        #expect(await prepareError([fileManifest("f", path: "f", content: "x", mode: "0999")])?.message.contains("spec.mode") == true)
        #expect(await prepareError([fileManifest("f", path: "f", content: "x", mode: "rw-r--r--")])?.message.contains("octal mode") == true)
        #expect(await prepareError([processManifest("p", [:])])?.message.contains("spec.command") == true)
        #expect(await prepareError([processManifest("p", ["command": "sleep 1"])])?.message.contains("expected a list") == true)
        #expect(await prepareError([processManifest("p", ["command": ["sleep", "1"], "restartPolicy": "Sometimes"])])?.message
            .contains("Always, OnFailure or Never") == true)
        #expect(await prepareError([processManifest("p", ["command": ["sleep", "1"], "restartpolicy": "Never"])])?.message
            .contains("spec.restartpolicy: unknown field") == true)
        #expect(await prepareError([processManifest("p", ["command": ["sleep", "1"], "stopTimeoutSeconds": "soon"])])?.message
            .contains("spec.stopTimeoutSeconds") == true)
    }

    @Test("a bad stop signal is refused; names with or without SIG are accepted")
    func signals() async throws {
        defer { host.remove() }
        let bad = await prepareError([processManifest("p", ["command": ["sleep", "1"], "stopSignal": "SIGNOPE"])])
        #expect(bad?.message.contains("unknown signal \"SIGNOPE\"") == true)
        _ = try await host.target.prepare([processManifest("p", ["command": ["sleep", "1"], "stopSignal": "INT"])], context: host.context)
        _ = try await host.target.prepare([processManifest("q", ["command": ["sleep", "1"], "stopSignal": "SIGQUIT"])], context: host.context)
    }

    @Test("a probe needs exactly one of httpGet, tcpSocket or exec")
    func probeShape() async {
        defer { host.remove() }
        let none = await prepareError([processManifest("p", ["command": ["sleep", "1"], "readinessProbe": ["periodSeconds": 1]])])
        #expect(none?.message.contains("exactly one of httpGet, tcpSocket or exec (found none)") == true)
        let two = await prepareError([processManifest("p", [
            "command": ["sleep", "1"],
            "readinessProbe": ["httpGet": ["port": 80], "exec": ["command": ["true"]]],
        ])])
        #expect(two?.message.contains("found httpGet and exec") == true)
        let badPort = await prepareError([processManifest("p", ["command": ["sleep", "1"], "readinessProbe": ["tcpSocket": ["port": 70000]]])])
        #expect(badPort?.message.contains("spec.readinessProbe.tcpSocket.port") == true)
        let badPeriod = await prepareError([processManifest("p", [
            "command": ["sleep", "1"], "readinessProbe": ["tcpSocket": ["port": 80], "periodSeconds": 0],
        ])])
        #expect(badPeriod?.message.contains("periodSeconds") == true)
    }

    @Test("restartOn must name a File of the same application")
    func restartOnNamesFiles() async throws {
        defer { host.remove() }
        let process = processManifest("web", ["command": ["sleep", "1"], "restartOn": ["config"]])
        let error = await prepareError([process, fileManifest("index", path: "index.html", content: "x")])
        #expect(error?.message.contains("\"config\" is no File of application demo") == true)
        #expect(error?.message.contains("index") == true)
        _ = try await host.target.prepare([process, fileManifest("config", path: "config.txt", content: "x")], context: host.context)
    }

    @Test("a working directory outside the root is refused")
    func workingDirEscape() async {
        defer { host.remove() }
        let error = await prepareError([processManifest("web", ["command": ["sleep", "1"], "workingDir": "../.."])])
        #expect(error?.message.contains("spec.workingDir") == true)
    }

    @Test("env as a map is accepted and held as a list of name/value pairs")
    func envForms() async throws {
        defer { host.remove() }
        let prepared = try await host.target.prepare(
            [processManifest("web", ["command": ["sleep", "1"], "env": ["GREETING": "hi", "PORT": 8080]])], context: host.context)
        #expect(prepared[0]["spec", "env"] == [["name": "GREETING", "value": "hi"], ["name": "PORT", "value": "8080"]])
        let duplicate = await prepareError([processManifest("web", [
            "command": ["sleep", "1"], "env": [["name": "A", "value": "1"], ["name": "A", "value": "2"]],
        ])])
        #expect(duplicate?.message.contains("A is set twice") == true)
    }

    @Test("names that are not safe as file names are refused")
    func names() async {
        defer { host.remove() }
        #expect(await prepareError([processManifest("../web", ["command": ["sleep", "1"]])])?.message.contains("metadata.name") == true)
    }

    @Test("two Files of one application may not share a path")
    func duplicatePaths() async {
        defer { host.remove() }
        let error = await prepareError([fileManifest("a", path: "same.txt", content: "1"), fileManifest("b", path: "./same.txt", content: "2")])
        #expect(error?.message.contains("also the path of File a") == true)
    }
}
