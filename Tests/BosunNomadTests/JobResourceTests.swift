import BosunCore
import BosunNomad
import BosunRender
import BosunTesting
import Foundation
import Testing

/// What the engine compares: a job from Git and a job read from Nomad, normalised so only real
/// drift is a difference; job files rendered from a folder.
struct JobResourceTests {
    @Test func aLiveJobLosesServerFieldsAndCarriesBosunsTracking() throws {
        let live = NomadJobResource.live(job: try #require(try Fixture.json("job-live.json").objectValue))
        #expect(live.key.description == "nomad/Job/default/example")
        #expect(live.label(Annotations.appLabel) == "shop")
        #expect(live.annotation(Annotations.trackingID) == "shop:nomad/Job:default/example")
        #expect(live.annotation(NomadJobResource.commitAnnotation) == "3f2a9c1")
        let spec = try #require(live.body["spec"]?.objectValue)
        for field in ["Status", "Version", "SubmitTime", "ModifyIndex", "JobModifyIndex", "CreateIndex", "Stable", "Update"] {
            #expect(!spec.keys.contains(field), "\(field) should not be compared")
        }
        #expect(spec["Meta"] == ["owner": "team-a"])
    }

    @Test func aParsedJobKeepsOnlyWhatTheFileSays() throws {
        let parsed = try #require(try Fixture.json("job-parsed.json").objectValue)
        let desired = NomadJobResource.desired(job: parsed, defaultNamespace: "apps", source: nil)
        #expect(desired.key.description == "nomad/Job/apps/example")
        let spec = try #require(desired.body["spec"]?.objectValue)
        #expect(spec.keys.allSatisfy { !["Region", "Type", "Dispatched", "Update", "Priority"].contains($0) })
        #expect(!JSONValue.object(spec).jsonString().contains("null"))
        #expect(spec["Namespace"] == "apps" && spec["Stop"] == false)
        let firstTask = spec["TaskGroups"]?.arrayValue?.first?["Tasks"]?.arrayValue?.first
        #expect(firstTask == ["Name": "redis", "Driver": "docker", "Config": ["image": "redis:7"]])
    }

    @Test func registeringAddsBosunsMetaBesideTheJobsOwn() throws {
        var desired = NomadJobResource.desired(job: try #require(try Fixture.json("job-parsed.json").objectValue), defaultNamespace: "default", source: nil)
        desired.setLabel(Annotations.appLabel, "shop")
        desired.setAnnotation(Annotations.trackingID, "shop:nomad/Job:default/example")
        let job = NomadJobResource.apiJob(desired, commit: "3f2a9c1")
        #expect(job["Meta"] == ["owner": "team-a", "bosun.app": "shop", "bosun.tracking-id": "shop:nomad/Job:default/example", "bosun.commit": "3f2a9c1"])
    }

    @Test func jobFilesInAFolderRenderAsJobFiles() async throws {
        let dir = try TemporaryDirectory(prefix: "nomad-render")
        defer { dir.remove() }
        _ = try dir.write("jobs/web.nomad.hcl", "job \"web\" {}\n")
        _ = try dir.write("jobs/batch/report.nomad", "job \"report\" { type = \"batch\" }\n")
        _ = try dir.write("jobs/cache.nomad.json", "{\"ID\": \"cache\"}\n")
        _ = try dir.write("jobs/README.md", "not a job\n")
        _ = try dir.write("env/prod.vars.hcl", "image = \"nginx\"\n")
        let output = try await Renderer(workDirectory: dir.url).render(
            RenderRequest(path: "jobs", varsFile: "env/prod.vars.hcl"), from: DirectorySource(root: dir.url))
        #expect(output.renderer == .nomad)
        #expect(output.resources.map(\.name) == ["report", "cache", "web"])
        let web = try #require(output.resources.first { $0.name == "web" })
        #expect(web.apiVersion == "nomad.bosun.dev/v1" && web.kind == "JobFile")
        #expect(web["spec", "format"] == "hcl" && web["spec", "path"] == "jobs/web.nomad.hcl")
        #expect(web["spec", "variables"] == "image = \"nginx\"\n")
        #expect(output.resources.first { $0.name == "cache" }?["spec", "format"] == "json")

        await #expect(throws: RenderError.self) {
            try await Renderer(workDirectory: dir.url).render(RenderRequest(path: "jobs", varsFile: "env/missing.hcl"), from: DirectorySource(root: dir.url))
        }
    }
}
