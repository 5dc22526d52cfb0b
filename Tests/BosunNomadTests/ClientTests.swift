import BosunCore
import BosunNomad
import Foundation
import NomadSimulator
import Testing

/// The client against the Nomad simulator over real HTTP on loopback: retries, what is never
/// retried, request counting, and config errors a person can act on.
struct ClientTests {
    /// Runs `body` with a fresh simulator and a target on it (fast retries, so nothing waits),
    /// then stops both.
    func withTarget(
        _ options: NomadSimulatorOptions = NomadSimulatorOptions(), tokenEnv: String? = nil, token: String? = nil,
        _ body: (NomadSimulator, NomadTarget) async throws -> Void
    ) async throws {
        let simulator = try await NomadSimulator.start(options)
        var clientOptions = NomadClient.Options()
        clientOptions.initialBackoff = .milliseconds(1)
        clientOptions.maxBackoff = .milliseconds(5)
        let connection = NomadConnection(address: simulator.address, token: token, tokenEnv: tokenEnv)
        let target = NomadTarget(name: "nomad", client: try NomadClient(connection: connection, options: clientOptions))
        do {
            try await body(simulator, target)
        } catch {
            await target.shutdown()
            await simulator.stop()
            throw error
        }
        await target.shutdown()
        await simulator.stop()
    }

    static let job: JSONObject = [
        "ID": "cache", "Name": "cache", "Type": "service",
        "TaskGroups": [["Name": "cache", "Count": 1, "Tasks": [["Name": "redis", "Driver": "docker", "Config": ["image": "redis:7"]]]]],
    ]

    func desired(_ job: JSONObject = ClientTests.job) -> Resource {
        var resource = NomadJobResource.desired(job: job, defaultNamespace: "default", source: nil)
        resource.setLabel(Annotations.appLabel, "shop")
        resource.setAnnotation(Annotations.trackingID, Annotations.trackingID(app: "shop", key: resource.key))
        return resource
    }

    @Test func transientFailuresAreRetriedAndCounted() async throws {
        try await withTarget { simulator, target in
            try await simulator.register(Self.job)
            await simulator.setFaults(NomadFaults(failNext: 2, failStatus: 500, failMessage: "No cluster leader"))
            let live = try await target.live(keys: [NomadJobResource.key(namespace: "default", id: "cache")], context: AppContext(app: "shop"))
            #expect(live.keys.map(\.description) == ["nomad/Job/default/cache"])
            #expect(target.metrics.snapshot[.init(operation: "list", code: 500)] == 2)
            #expect(target.metrics.snapshot[.init(operation: "list", code: 200)] == 1)
        }
    }

    @Test func givingUpSaysWhatNomadAnsweredAndHowOften() async throws {
        try await withTarget { simulator, target in
            await simulator.setFaults(NomadFaults(failNext: 100, failStatus: 503, failMessage: "rpc error: no leader"))
            let error = await #expect(throws: TargetError.self) {
                _ = try await target.live(keys: [], context: AppContext(app: "shop"))
            }
            #expect(error?.code == .transient)
            #expect(error?.message.contains("rpc error: no leader") == true && error?.message.contains("gave up after 5 attempts") == true)
        }
    }

    @Test func aCheckAndSetConflictIsNotRetriedAndNotOverwritten() async throws {
        try await withTarget { simulator, target in
            try await simulator.register(Self.job)
            await simulator.setFaults(NomadFaults(
                failNext: 1, failStatus: 500, failMessage: "Enforcing job modify index 11: job exists with conflicting job modify index: 14",
                failPathPrefix: "/v1/jobs", failMethod: "POST"))
            var changed = Self.job
            changed["Priority"] = 70
            let error = await #expect(throws: TargetError.self) {
                _ = try await target.apply(desired(changed), context: AppContext(app: "shop", commit: "abc"), dryRun: false)
            }
            #expect(error?.code == .conflict)
            #expect(error?.message.contains("job \"cache\" in namespace \"default\" was changed in Nomad by someone else") == true)
            #expect(target.metrics.total("register") == 1)
            #expect(await simulator.job("cache")?["Priority"] == 50)
        }
    }

    @Test func aRegisterCarriesBosunsMetaAndTheCheckAndSetIndex() async throws {
        try await withTarget { simulator, target in
            _ = try await target.apply(desired(), context: AppContext(app: "shop", commit: "abc123"), dryRun: false)
            let job = try #require(await simulator.job("cache"))
            #expect(job["Meta"] == ["bosun.app": "shop", "bosun.tracking-id": "shop:nomad/Job:default/cache", "bosun.commit": "abc123"])
            // Live reads it back as the same resource: nothing to sync.
            let live = try await target.live(keys: [], context: AppContext(app: "shop"))
            let read = try #require(live[NomadJobResource.key(namespace: "default", id: "cache")])
            #expect(read.label(Annotations.appLabel) == "shop" && read.annotation(NomadJobResource.commitAnnotation) == "abc123")
            #expect(read.body["spec"]?.objectValue?.keys.contains("Meta") == false)
            // The preview is the plan as `nomad job plan` prints it.
            var bigger = Self.job
            bigger["TaskGroups"] = [["Name": "cache", "Count": 3, "Tasks": [["Name": "redis", "Driver": "docker", "Config": ["image": "redis:7"]]]]]
            let preview = try #require(try await target.preview(desired(bigger), context: AppContext(app: "shop", commit: "abc123")))
            #expect(preview.contains("+/- Job: \"cache\""))
            #expect(preview.contains("+/- Count: \"1\" => \"3\""))
        }
    }

    @Test func aDeniedTokenNamesItsVariable() async throws {
        var options = NomadSimulatorOptions()
        options.acl = true
        options.readToken = "read-only"
        try await withTarget(options, tokenEnv: "NOMAD_TOKEN", token: "read-only") { simulator, target in
            let error = await #expect(throws: TargetError.self) {
                _ = try await target.apply(desired(), context: AppContext(app: "shop"), dryRun: false)
            }
            #expect(error?.code == .forbidden)
            #expect(error?.message == "Nomad denied POST /v1/job/cache/plan: Permission denied; check the token in $NOMAD_TOKEN")
        }
    }

    @Test func configErrorsNameTheField() {
        let env = TargetEnvironment(dataDirectory: URL(fileURLWithPath: "/tmp"), environment: [:])
        let unset = TargetSpec(name: "prod", type: "nomad", options: ["address": "http://127.0.0.1:4646", "tokenEnv": "PROD_NOMAD_TOKEN"])
        #expect(throws: TargetError.self) { try NomadConnection.from(unset, env) }
        do {
            _ = try NomadConnection.from(unset, env)
        } catch let error as TargetError {
            #expect(error.message == "target \"prod\": tokenEnv names $PROD_NOMAD_TOKEN, which is not set; export the Nomad ACL token in it")
        } catch {}
        let badAddress = TargetSpec(name: "prod", type: "nomad", options: ["address": "nomad:4646"])
        #expect(throws: TargetError.self) { try NomadConnection.from(badAddress, env) }
        let halfTLS = TargetSpec(name: "prod", type: "nomad", options: ["clientCert": "cli.pem"])
        #expect(throws: TargetError.self) { try NomadConnection.from(halfTLS, env) }
    }
}
