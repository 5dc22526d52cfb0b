import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The GitOps loop on a Nomad target, through the `bosun` binary against the `nomad-simulator`
    /// executable: job files in Git (HCL with a vars file, API JSON), register, change, drift
    /// repair, prune, check-and-set conflicts, failed deployments and ACL denials.
    @Suite(.serialized) struct NomadLoopTests {
        @Test func jobsAreRegisteredChangedHealedAndPruned() async throws {
            let nomad = try await NomadAPI()
            defer { nomad.stop() }
            let setup = try NomadSetup(nomad: nomad, files: [
                "jobs/web.nomad.hcl": NomadSetup.hclJob("web"), "jobs/cache.nomad.json": NomadSetup.jsonJob("cache"),
                "vars.hcl": NomadSetup.vars(image: "nginx:1.25"),
            ])
            defer { setup.remove() }
            // A job someone else runs: never Bosun's to prune.
            try await nomad.register(try JSONParser.parse(NomadSetup.jsonJob("other"))["Job"] ?? .null)
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }

            // Registered, with the vars file applied and Bosun's tracking in the job's Meta.
            let first = try setup.repo.head()
            var head = first
            try await setup.waitSynced(url, at: head)
            let web = try #require(try await nomad.job("web"))
            #expect(web.nomadImage == "nginx:1.25" && web.nomadCount == 2)
            #expect(web["Meta"]?["bosun.app"] == "jobs" && web["Meta"]?["bosun.commit"]?.stringValue == head)
            #expect(web["Meta"]?["bosun.tracking-id"] == "jobs:nomad/Job:default/web")
            #expect(try await nomad.job("cache")?.nomadImage == "redis:7")
            let keys = try await setup.status(url)["resources"]?.arrayValue?.compactMap { $0["key"]?.stringValue } ?? []
            #expect(Set(keys) == ["nomad/Job/default/web", "nomad/Job/default/cache"])

            // A change in Git rolls out as a new job version.
            try setup.repo.commit(files: ["vars.hcl": NomadSetup.vars(image: "nginx:1.26")], message: "nginx 1.26")
            head = try setup.repo.head()
            try await setup.waitSynced(url, at: head)
            let changed = try #require(try await nomad.job("web"))
            #expect(changed.nomadImage == "nginx:1.26" && changed["Version"] == 1)

            // A manual rollback registers the earlier commit's job and pins there; unpinning returns to Git's head.
            let rollback = try await bosun("rollback", "jobs", "--to", String(first.prefix(7)), "--server", url)
            #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
            try await eventually("web runs nginx:1.25 again, pinned", seconds: 30) {
                let image = try await nomad.job("web")?.nomadImage
                let pinned = try await setup.status(url)["pinned"]
                return image == "nginx:1.25" && pinned == true
            }
            #expect(try await nomad.job("web")?["Meta"]?["bosun.commit"]?.stringValue == first)
            #expect(try await setup.history(url).first?["trigger"] == "rollback")
            let unpin = try await bosun("unpin", "jobs", "--server", url)
            #expect(unpin.status == 0, "\(unpin.stdout)\(unpin.stderr)")
            try await setup.waitSynced(url, at: head)
            try await eventually("web runs nginx:1.26 again", seconds: 30) { try await nomad.job("web")?.nomadImage == "nginx:1.26" }

            // A job changed with the Nomad API is restored.
            var drifted = changed.objectValue ?? JSONObject()
            var groups = drifted["TaskGroups"]?.arrayValue ?? []
            var group = groups.first?.objectValue ?? JSONObject()
            group["Count"] = 5
            groups[0] = .object(group)
            drifted["TaskGroups"] = .array(groups)
            try await nomad.register(.object(drifted))
            try await eventually("the count is back to 2", seconds: 30) { try await nomad.job("web")?.nomadCount == 2 }
            #expect(try await setup.history(url).contains { $0["trigger"] == "selfHeal" })

            // A job file removed from Git is deregistered (purged); the job Bosun does not own stays.
            try setup.repo.remove("jobs/cache.nomad.json")
            _ = try setup.repo.commit("drop cache")
            try await eventually("cache is deregistered", seconds: 30) { try await !nomad.exists("cache") }
            try await setup.waitSynced(url, at: try setup.repo.head())
            #expect(try await nomad.exists("other"))
            #expect(try await nomad.job("web")?.nomadImage == "nginx:1.26")

            // A job file Nomad cannot parse is reported with its path and line; the job keeps running.
            try setup.repo.commit(files: ["jobs/web.nomad.hcl": "job \"web\" {\n  group \"web\" {\n    count = \n  }\n}\n"], message: "broken")
            try await eventually("the parse error names the file and line", seconds: 30) {
                let message = try await setup.status(url)["condition"]?["message"]?.stringValue ?? ""
                return message.contains("jobs/web.nomad.hcl:3,") && message.contains("Nomad could not parse the job file")
            }
            #expect(try await nomad.job("web")?.nomadImage == "nginx:1.26")
        }

        @Test func driftIsNoticedWithoutWaitingForTheInterval() async throws {
            let nomad = try await NomadAPI()
            defer { nomad.stop() }
            let setup = try NomadSetup(nomad: nomad, files: ["jobs/cache.nomad.json": NomadSetup.jsonJob("cache", count: 2)], varsFile: nil, interval: "1h")
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head())
            // Scaled by hand: Bosun's blocking query on the job list sees it, long before the hour is up.
            var job = try #require(try await nomad.job("cache")?.objectValue)
            var groups = job["TaskGroups"]?.arrayValue ?? []
            var group = groups.first?.objectValue ?? JSONObject()
            group["Count"] = 4
            groups[0] = .object(group)
            job["TaskGroups"] = .array(groups)
            try await nomad.register(.object(job))
            try await eventually("the count is back to 2", seconds: 20) { try await nomad.job("cache")?.nomadCount == 2 }
            #expect(try await setup.history(url).contains { $0["trigger"] == "selfHeal" })
        }

        @Test func bosunDiffShowsNomadsPlan() async throws {
            let nomad = try await NomadAPI()
            defer { nomad.stop() }
            let setup = try NomadSetup(nomad: nomad, files: ["jobs/cache.nomad.json": NomadSetup.jsonJob("cache", count: 2)], varsFile: nil, auto: false)
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await eventually("the job is OutOfSync", seconds: 30) { try await setup.status(url)["sync"]?["status"] == "OutOfSync" }
            let diff = try await bosun("diff", setup.app, "--server", url)
            #expect(diff.status == 1, "\(diff.stderr)")
            #expect(diff.stdout.contains("nomad/Job/default/cache (the target's plan):"), "\(diff.stdout)")
            #expect(diff.stdout.contains("+ Job: \"cache\""), "\(diff.stdout)")
            let json = try await JSONParser.parse(try bosun("diff", setup.app, "--server", url, "-o", "json").stdout)
            #expect(json.arrayValue?.first?["preview"]?.stringValue?.contains("Task Group: \"") == true, "\(json)")
            #expect(try await !nomad.exists("cache"))
        }

        @Test func aJobChangedSinceThePlanIsReportedNotOverwritten() async throws {
            let nomad = try await NomadAPI()
            defer { nomad.stop() }
            let setup = try NomadSetup(nomad: nomad, files: ["jobs/cache.nomad.json": NomadSetup.jsonJob("cache")], varsFile: nil)
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head())

            // The next register meets the answer Nomad gives when the job moved after the plan.
            try await nomad.faults([
                "FailNext": 1, "FailStatus": 500, "FailPathPrefix": "/v1/jobs", "FailMethod": "POST",
                "FailMessage": "Enforcing job modify index 11: job exists with conflicting job modify index: 14",
            ])
            try setup.repo.commit(files: ["jobs/cache.nomad.json": NomadSetup.jsonJob("cache", image: "redis:7.2")], message: "redis 7.2")
            try await eventually("the conflict is reported", seconds: 30) {
                let history = try await setup.history(url).map { $0.jsonString() }.joined()
                let text = try await history + setup.status(url).jsonString()
                return text.contains("was changed in Nomad by someone else") && text.contains("conflicting job modify index: 14")
            }
            // Planned again on the next attempt, then registered.
            try await setup.waitSynced(url, at: try setup.repo.head())
            #expect(try await nomad.job("cache")?.nomadImage == "redis:7.2")
        }

        @Test func aFailedDeploymentIsDegradedAndRolledBack() async throws {
            let nomad = try await NomadAPI()
            defer { nomad.stop() }
            let update = "    update {\n      auto_revert = true\n    }"
            let setup = try NomadSetup(nomad: nomad, files: [
                "jobs/web.nomad.hcl": NomadSetup.hclJob("web", extra: update), "vars.hcl": NomadSetup.vars(image: "nginx:1.25"),
            ])
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            let good = try setup.repo.head()
            try await setup.waitSynced(url, at: good)

            // An image that cannot start: the deployment fails, Nomad reverts, Bosun reports it and rolls back.
            try setup.repo.commit(files: ["vars.hcl": NomadSetup.vars(image: "nginx-fail:9")], message: "broken image")
            try await eventually("Bosun rolls back", seconds: 40) {
                try await setup.history(url).contains { $0["trigger"] == "autoRollback" }
            }
            let text = try await setup.history(url).map { $0.jsonString() }.joined()
            #expect(text.contains("Failed due to unhealthy allocations"))
            #expect(text.contains("rolled job web back to version 0"))
            try await eventually("web runs the good image again", seconds: 30) {
                let job = try await nomad.job("web")
                return job?.nomadImage == "nginx:1.25" && job?["Meta"]?["bosun.commit"]?.stringValue == good
            }
        }

        @Test func aDeniedTokenSaysWhichVariableToCheck() async throws {
            let secret = "read-only-6f1c2a"
            let nomad = try await NomadAPI(arguments: ["--acl", "--acl-token", "management-9d3e", "--acl-read-token", secret], token: "management-9d3e")
            defer { nomad.stop() }
            let setup = try NomadSetup(nomad: nomad, files: ["jobs/cache.nomad.json": NomadSetup.jsonJob("cache")], tokenEnv: "NOMAD_TOKEN", varsFile: nil)
            defer { setup.remove() }
            let serve = try await setup.serve(environment: ["NOMAD_TOKEN": secret])
            let url = serve.url
            defer { serve.stop() }
            let seen = LockedBox("")
            try await eventually("the denial is reported", seconds: 30) {
                let text = try await setup.status(url).jsonString() + (try setup.history(url).map { $0.jsonString() }.joined())
                seen.set(text)
                return text.contains("Nomad denied POST /v1/job/cache/plan: Permission denied; check the token in $NOMAD_TOKEN")
            }
            #expect(!seen.get().contains(secret) && !serve.output.get().contains(secret))
            #expect(try await !nomad.exists("cache"))
        }

        /// The same loop against a real agent (`nomad agent -dev`), when one is named.
        @Test(.enabled(if: NomadAPI.realAgentAddress != nil, "set BOSUN_E2E_NOMAD_ADDR (e.g. http://127.0.0.1:4646 of `nomad agent -dev`) to run against a real Nomad agent"))
        func aRealAgentRunsTheLoop() async throws {
            let address = try #require(NomadAPI.realAgentAddress)
            let token = ProcessInfo.processInfo.environment["BOSUN_E2E_NOMAD_TOKEN"]
            let nomad = NomadAPI(address: address, token: token)
            let id = "bosun-e2e-\(UInt32.random(in: 0..<UInt32.max))"
            defer { Task { try? await nomad.purge(id) } }
            let job = """
                variable "args" {
                  type = list(string)
                }

                job "\(id)" {
                  group "sleep" {
                    update {
                      min_healthy_time = "1s"
                    }
                    task "sleep" {
                      driver = "raw_exec"
                      config {
                        command = "/bin/sleep"
                        args    = var.args
                      }
                    }
                  }
                }
                """
            let setup = try NomadSetup(
                nomad: nomad, files: ["jobs/\(id).nomad.hcl": job, "vars.hcl": "args = [\"3600\"]\n"],
                tokenEnv: token == nil ? nil : "BOSUN_E2E_NOMAD_TOKEN")
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head(), seconds: 90)
            #expect(try await nomad.job(id)?["Meta"]?["bosun.app"] == "jobs")
            try setup.repo.commit(files: ["vars.hcl": "args = [\"3601\"]\n"], message: "change args")
            try await setup.waitSynced(url, at: try setup.repo.head(), seconds: 90)
            #expect(try await nomad.job(id)?["Version"]?.intValue ?? 0 >= 1)
        }
    }
}
