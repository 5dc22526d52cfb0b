import BosunCore
import BosunNomad
import Testing

/// A plan response rendered as `nomad job plan` prints it.
struct PlanTextTests {
    @Test func anEditedJobReadsLikeNomadJobPlan() throws {
        let text = NomadPlanText.render(try Fixture.json("plan-edit.json"))
        #expect(text == """
            +/- Job: "example"
            +/- Priority: "50" => "60"
            +/- Task Group: "cache" (1 create/destroy update, 2 ignore)
              +/- Count: "3" => "4"
              +/- Task: "redis" (forces create/destroy update)
                +/- Config {
                  +/- image: "redis:7" => "redis:7.2"
                  }
                + Env {
                  + MODE: "cache"
                  }
            - Task Group: "old" (1 stop)

            Scheduler dry-run:
            - All tasks successfully allocated.

            Job Modify Index: 17
            """)
    }

    @Test func aNewJobIsAllAdded() {
        let plan: JSONValue = [
            "JobModifyIndex": 0,
            "Diff": [
                "Type": "Added", "ID": "web",
                "TaskGroups": [["Type": "Added", "Name": "web", "Updates": ["create": 2], "Tasks": [["Type": "Added", "Name": "server", "Annotations": ["forces create"]]]]],
            ],
            "FailedTGAllocs": ["web": ["NodesEvaluated": 0]],
        ]
        let lines = NomadPlanText.render(plan).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.prefix(3) == ["+ Job: \"web\"", "+ Task Group: \"web\" (2 create)", "  + Task: \"server\" (forces create)"])
        #expect(lines.contains("- WARNING: Failed to place all allocations for task group \"web\"."))
    }
}
