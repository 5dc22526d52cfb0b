import BosunCore
import Testing

@testable import NomadSimulator

/// Namespaces (`?namespace=`), listing by prefix and filter, and ACL tokens.
@Suite struct NamespaceACLTests {
    @Test func jobsLiveInTheirNamespace() async throws {
        let h = try await Harness.start { $0.namespaces = ["staging"] }
        let job = try await h.parsedJob(simpleJob)
        #expect(try await h.register(job).status == 200)
        #expect(try await h.register(job, namespace: "staging").status == 200)

        let defaults = try await h.get("/v1/jobs").json.arrayValue ?? []
        #expect(defaults.map { $0["Namespace"] } == ["default"])
        let staging = try await h.get("/v1/jobs?namespace=staging").json.arrayValue ?? []
        #expect(staging.map { $0["Namespace"] } == ["staging"])
        let all = try await h.get("/v1/jobs?namespace=*").json.arrayValue ?? []
        #expect(all.map { $0["Namespace"] } == ["default", "staging"])
        #expect(try await h.get("/v1/job/web?namespace=staging").json["Namespace"] == "staging")

        let missing = try await h.register(job, namespace: "prod")
        #expect(missing.status == 500)
        #expect(missing.text == "job \"web\" is in nonexistent namespace \"prod\"")
        #expect(try await h.send("POST", "/v1/namespace/prod", body: ["Name": "prod"]).status == 200)
        #expect(try await h.register(job, namespace: "prod").status == 200)
        await h.stop()
    }

    @Test func listingByPrefixMetaAndFilter() async throws {
        let h = try await Harness.start()
        for (name, app) in [("shop-web", "shop"), ("shop-db", "shop"), ("blog", "blog")] {
            let job = try await h.parsedJob(
                "job \"\(name)\" {\n meta = { \"bosun.app\" = \"\(app)\" }\n group \"g\" {\n task \"t\" { driver = \"docker\" }\n }\n}\n")
            #expect(try await h.register(job).status == 200)
        }
        let list = try await h.get("/v1/jobs").json
        #expect(shapeDifferences(list, try Fixture.json("jobs-list.json"), maps: ["Summary"]).isEmpty)
        #expect(list.arrayValue?.map { $0["ID"] } == ["blog", "shop-db", "shop-web"])
        #expect(list.arrayValue?.first?["Meta"] == nil)

        let prefixed = try await h.get("/v1/jobs?prefix=shop-").json.arrayValue ?? []
        #expect(prefixed.map { $0["ID"] } == ["shop-db", "shop-web"])

        let withMeta = try await h.get("/v1/jobs?meta=true").json.arrayValue ?? []
        #expect(withMeta.first?["Meta"] == ["bosun.app": "blog"])

        let filter = #"Meta["bosun.app"] == "shop""#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let filtered = try await h.get("/v1/jobs?filter=\(filter)").json.arrayValue ?? []
        #expect(filtered.map { $0["ID"] } == ["shop-db", "shop-web"])

        let other = "Meta.bosun.app == \"x\" or Name contains \"blo\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        #expect(try await h.get("/v1/jobs?filter=\(other)").json.arrayValue?.map { $0["ID"] } == ["blog"])

        let bad = try await h.get("/v1/jobs?filter=Meta%20%3D%3D")
        #expect(bad.status == 400)
        #expect(bad.text.hasPrefix("failed to create result paginator: failed to read filter expression:"))
        await h.stop()
    }

    @Test func aclTokensAreRequiredWhenEnabled() async throws {
        let h = try await Harness.start {
            $0.acl = true
            $0.managementToken = "management-secret"
            $0.readToken = "reader-secret"
        }
        let anonymous = try await h.get("/v1/jobs")
        #expect(anonymous.status == 403)
        #expect(anonymous.text == "Permission denied")

        let unknown = try await h.send("GET", "/v1/jobs", token: "who-knows")
        #expect(unknown.status == 403)
        #expect(unknown.text == "ACL token not found")

        let job: JSONValue = ["ID": "x", "TaskGroups": [["Name": "g", "Tasks": [["Name": "t", "Driver": "docker"]]]]]
        let readerWrite = try await h.send("POST", "/v1/jobs", body: ["Job": job], token: "reader-secret")
        #expect(readerWrite.status == 403)
        #expect(readerWrite.text == "Permission denied")
        let readerParse = try await h.send("POST", "/v1/jobs/parse", body: ["JobHCL": "job \"x\" {}"], token: "reader-secret")
        #expect(readerParse.status == 403)

        #expect(try await h.send("POST", "/v1/jobs", body: ["Job": job], token: "management-secret").status == 200)
        #expect(try await h.send("GET", "/v1/jobs", token: "reader-secret").status == 200)
        let bearer = try await Harness.send(
            "GET", h.simulator.address + "/v1/job/x", headers: ["Authorization": "Bearer management-secret"])
        #expect(bearer.status == 200)
        // A secret never shows up in an error.
        #expect(!unknown.text.contains("who-knows"))
        await h.stop()
    }
}
