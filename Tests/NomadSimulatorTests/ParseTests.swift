import BosunCore
import Testing

@testable import NomadSimulator

/// `POST /v1/jobs/parse`: each jobspec construct Bosun uses, Nomad's defaults, and clear 400s.
@Suite struct ParseTests {
    @Test func minimalJobGetsNomadsDefaultsWhenCanonicalized() async throws {
        let h = try await Harness.start()
        let job = try await h.parsedJob("job \"example\" {\n group \"cache\" {\n task \"redis\" { driver = \"docker\" }\n }\n}\n")
        #expect(job["ID"] == "example")
        #expect(job["Name"] == "example")
        #expect(job["Type"] == "service")
        #expect(job["Namespace"] == "default")
        #expect(job["Region"] == "global")
        #expect(job["Priority"] == 50)
        #expect(job["Datacenters"] == .null)
        let group = job["TaskGroups"]?.arrayValue?.first
        #expect(group?["Count"] == 1)
        #expect(group?["Update"]?["HealthyDeadline"] == .int(300_000_000_000))
        #expect(group?["Update"]?["AutoRevert"] == false)
        let task = group?["Tasks"]?.arrayValue?.first
        #expect(task?["Driver"] == "docker")
        #expect(task?["Resources"]?["CPU"] == 100)
        #expect(task?["Resources"]?["MemoryMB"] == 300)
        #expect(task?["KillTimeout"] == .int(5_000_000_000))
        await h.stop()
    }

    @Test func withoutCanonicalizeUnsetFieldsAreNull() async throws {
        let h = try await Harness.start()
        let answer = try await h.parse("job \"example\" {\n group \"cache\" {\n task \"redis\" { driver = \"docker\" }\n }\n}\n", canonicalize: false)
        let job = try answer.json
        #expect(answer.status == 200)
        #expect(job["ID"] == "example")
        #expect(job["Type"] == .null)
        #expect(job["Priority"] == .null)
        #expect(job["TaskGroups"]?[path: []]?.arrayValue?.first?["Count"] == .null)
        await h.stop()
    }

    @Test func canonicalParseMatchesTheFixture() async throws {
        let h = try await Harness.start()
        let job = try await h.parsedJob(try Fixture.text("canonical.nomad.hcl"))
        let expected = try Fixture.json("canonical-parse.json")
        #expect(job == expected, "differs from Fixtures/canonical-parse.json:\n\(job.prettyJSONString())")
        // Same fields, same order as Nomad's api.Job struct.
        #expect(job.objectValue?.keys == expected.objectValue?.keys)
        await h.stop()
    }

    @Test func groupTaskConfigResourcesCountMetaEnvServiceAndUpdate() async throws {
        let h = try await Harness.start()
        let job = try await h.parsedJob(
            """
            job "shop" {
              type        = "service"
              datacenters = ["dc1", "dc2"]
              meta {
                owner = "team-a"
              }
              group "api" {
                count = 3
                update {
                  max_parallel     = 2
                  auto_revert      = true
                  healthy_deadline = "2m"
                }
                network {
                  port "http" { to = 8080 }
                  port "admin" { static = 9000 }
                }
                service {
                  name     = "shop-api"
                  port     = "http"
                  provider = "nomad"
                  tags     = ["v1"]
                  check {
                    type     = "http"
                    path     = "/health"
                    interval = "10s"
                    timeout  = "2s"
                  }
                }
                task "server" {
                  driver = "docker"
                  config {
                    image = "shop:1.0"
                    ports = ["http"]
                    args  = ["--verbose", 3, true]
                    labels {
                      tier = "web"
                    }
                  }
                  env {
                    MODE = "prod"
                    PORT = 8080
                  }
                  meta = { "bosun.app" = "shop" }
                  resources {
                    cpu    = 250
                    memory = 128
                  }
                }
              }
            }
            """)
        #expect(job["Datacenters"] == ["dc1", "dc2"])
        #expect(job["Meta"] == ["owner": "team-a"])
        let group = try #require(job["TaskGroups"]?.arrayValue?.first)
        #expect(group["Count"] == 3)
        #expect(group["Update"]?["MaxParallel"] == 2)
        #expect(group["Update"]?["AutoRevert"] == true)
        #expect(group["Update"]?["HealthyDeadline"] == .int(120_000_000_000))
        let network = group["Networks"]?.arrayValue?.first
        #expect(network?["DynamicPorts"]?.arrayValue?.first?["Label"] == "http")
        #expect(network?["DynamicPorts"]?.arrayValue?.first?["To"] == 8080)
        #expect(network?["ReservedPorts"]?.arrayValue?.first?["Value"] == 9000)
        let service = group["Services"]?.arrayValue?.first
        #expect(service?["Name"] == "shop-api")
        #expect(service?["PortLabel"] == "http")
        #expect(service?["Provider"] == "nomad")
        #expect(service?["Checks"]?.arrayValue?.first?["Interval"] == .int(10_000_000_000))
        #expect(service?["Checks"]?.arrayValue?.first?["OnUpdate"] == "require_healthy")
        let task = try #require(group["Tasks"]?.arrayValue?.first)
        #expect(task["Config"] == ["args": ["--verbose", 3, true], "image": "shop:1.0", "labels": [["tier": "web"]], "ports": ["http"]])
        // Go encodes maps with sorted keys.
        #expect(task["Config"]?.objectValue?.keys == ["args", "image", "labels", "ports"])
        #expect(task["Env"] == ["MODE": "prod", "PORT": "8080"])
        #expect(task["Meta"] == ["bosun.app": "shop"])
        #expect(task["Resources"]?["CPU"] == 250)
        #expect(task["Resources"]?["MemoryMB"] == 128)
        await h.stop()
    }

    @Test func variablesComeFromTheVarFileThenDefaults() async throws {
        let h = try await Harness.start()
        let hcl = """
            variable "image" { type = string }
            variable "replicas" {
              type    = number
              default = 1
            }
            variables {
              region = "eu"
            }
            locals {
              full = "${var.image}-${var.region}"
            }
            job "app" {
              group "g" {
                count = var.replicas
                task "t" {
                  driver = "docker"
                  config {
                    image = var.image
                    name  = local.full
                    host  = "${node.unique.name}"
                  }
                }
              }
            }
            """
        let job = try await h.parsedJob(hcl, variables: "image = \"nginx:1.27\"\nreplicas = \"2\"\nunused = 1\n")
        let group = job["TaskGroups"]?.arrayValue?.first
        #expect(group?["Count"] == 2)
        let config = group?["Tasks"]?.arrayValue?.first?["Config"]
        #expect(config?["image"] == "nginx:1.27")
        #expect(config?["name"] == "nginx:1.27-eu")
        // Runtime interpolations stay for the Nomad client, as Nomad's parser leaves them.
        #expect(config?["host"] == "${node.unique.name}")

        let unset = try await h.parse(hcl)
        #expect(unset.status == 400)
        #expect(unset.text.hasPrefix("Failed to parse job: input.hcl:1,1-17: Unset variable \"image\""))
        await h.stop()
    }

    @Test func stringsNumbersListsMapsHeredocsAndComments() async throws {
        let h = try await Harness.start()
        let job = try await h.parsedJob(
            """
            # a comment
            // another
            /* and a
               block comment */
            job "x" {
              priority = 70
              group "g" {
                task "t" {
                  driver = "exec"
                  config {
                    command = "/bin/sh"
                    script  = <<-EOT
                      echo "hi ${upper("there")}"
                      exit 0
                    EOT
                    ratio   = 1.5
                    nested  = { a = [1, 2], "b.c" = { d = false } }
                    escaped = "tab\\tquote\\" $${NOT_INTERPOLATED}"
                    math    = 2 * 3 + 1
                    pick    = 1 > 2 ? "big" : "small"
                  }
                }
              }
            }
            """)
        #expect(job["Priority"] == 70)
        let config = job["TaskGroups"]?.arrayValue?.first?["Tasks"]?.arrayValue?.first?["Config"]
        #expect(config?["script"] == "echo \"hi THERE\"\nexit 0\n")
        #expect(config?["ratio"] == 1.5)
        #expect(config?["nested"] == ["a": [1, 2], "b.c": ["d": false]])
        #expect(config?["escaped"] == "tab\tquote\" ${NOT_INTERPOLATED}")
        #expect(config?["math"] == 7)
        #expect(config?["pick"] == "small")
        await h.stop()
    }

    @Test(arguments: [
        (
            "job \"x\" {\n  group \"g\" {\n    vault {}\n  }\n}\n",
            "Failed to parse job: input.hcl:3,5-10: Unsupported block type; Blocks of type \"vault\" are valid in Nomad's group block but not supported by nomad-simulator."
        ),
        (
            "job \"x\" {\n  bogus = 1\n}\n",
            "Failed to parse job: input.hcl:2,3-8: Unsupported argument; An argument named \"bogus\" is not expected here."
        ),
        (
            "job \"x\" {\n  group \"g\" {\n    count = \"many\"\n  }\n}\n",
            "Failed to parse job: input.hcl:3,13-19: Incorrect attribute value type; Inappropriate value for attribute \"count\": a number is required."
        ),
        (
            "job \"x\" {\n  group \"g\" {\n",
            "Failed to parse job: input.hcl:2,13-14: Unclosed configuration block; There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file."
        ),
        (
            "job \"x\" {\n  type = \"service\" \"batch\"\n}\n",
            "Failed to parse job: input.hcl:2,20-27: Missing newline after argument; An argument definition must end with a newline."
        ),
        (
            "job \"x\" {\n  update = {}\n}\n",
            "Failed to parse job: input.hcl:2,3-9: Unsupported argument; An argument named \"update\" is not expected here. Did you mean to define a block of type \"update\"?"
        ),
        (
            "job \"x\" {\n  group \"g\" {\n    task \"t\" { kill_timeout = \"5 minutes\" }\n  }\n}\n",
            "Failed to parse job: input.hcl:3,31-42: Unsuitable value type; Unsuitable duration value: time: unknown unit \" minutes\" in duration \"5 minutes\""
        ),
        ("variable \"v\" {}\n", "Failed to parse job: input.hcl:1,1-13: Unset variable \"v\"; A used variable must be set or have a default value; see https://developer.hashicorp.com/nomad/docs/reference/hcl2/variables  for details."),
        (
            "job \"x\" { group \"g\" {} }\n",
            "Failed to parse job: input.hcl:1,11-16: Invalid single-argument block definition; A single-line block definition can contain only a single argument. If you meant to define argument \"group\", use an equals sign to assign it a value. To define a nested block, place it on a line of its own within its parent block."
        ),
        ("group \"g\" {}\n", "Failed to parse job: input.hcl:1,1-6: Unsupported block type; Blocks of type \"group\" are not expected here."),
        ("job \"x\" {\n  name = nope(1)\n}\n", "Failed to parse job: input.hcl:2,10-17: Call to unknown function; There is no function named \"nope\" (nomad-simulator implements upper, lower, trimspace, tostring, tonumber, join, length, concat and merge)."),
    ])
    func unsupportedOrInvalidInputIsAClear400(_ hcl: String, _ message: String) async throws {
        let h = try await Harness.start()
        let answer = try await h.parse(hcl)
        #expect(answer.status == 400)
        #expect(answer.header("Content-Type") == "text/plain")
        #expect(answer.text == message)
        await h.stop()
    }

    @Test func emptyJobSpecIsRejected() async throws {
        let h = try await Harness.start()
        let answer = try await h.parse("")
        #expect(answer.status == 400)
        #expect(answer.text == "Job spec is empty")
        await h.stop()
    }
}
