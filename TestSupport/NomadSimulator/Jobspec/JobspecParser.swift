import BosunCore

/// Nomad's `/v1/jobs/parse` for the jobspec subset the simulator knows: HCL2 with `variable`,
/// `variables` and `locals` blocks, `var.x`/`local.x` references, and a var-file's content.
public enum JobspecParser {
    /// Parses a jobspec into Nomad API `Job` JSON (uncanonicalised: unset fields are `null`).
    /// `variables` is the content of a var file (`name = value` lines), as `nomad job run -var-file`
    /// would read. Errors read like Nomad's, without its "Failed to parse job: " prefix.
    public static func parse(_ hcl: String, variables: String = "") throws(JobspecError) -> JSONObject {
        let filename = "input.hcl"
        let file: HCLBody
        do {
            file = try HCLParser.parse(hcl, filename: filename)
        } catch {
            throw JobspecError(message: HCLDiagnostics([error]).description)
        }
        var varFile: HCLBody?
        if !variables.isEmpty {
            do {
                varFile = try HCLParser.parse(variables, filename: filename)
            } catch {
                throw JobspecError(message: "unable to parse var content: \(HCLDiagnostics([error]).description)")
            }
        }
        do {
            return try decodeFile(file, varFile: varFile)
        } catch {
            throw JobspecError(message: error.description)
        }
    }

    private static func decodeFile(_ file: HCLBody, varFile: HCLBody?) throws(HCLDiagnostic) -> JSONObject {
        if let attribute = file.attributes.first {
            throw HCLDiagnostic(
                attribute.nameRange, "Unsupported argument",
                "An argument named \"\(attribute.name)\" is not expected here.")
        }
        for block in file.blocks where !["job", "variable", "variables", "locals"].contains(block.type) {
            throw HCLDiagnostic(
                block.typeRange, "Unsupported block type", "Blocks of type \"\(block.type)\" are not expected here.")
        }
        let declarations = try JobspecVariables.declarations(file)
        let values = try JobspecVariables.values(declarations, varFile: varFile)
        var evaluator = HCLEvaluator(variables: values)
        evaluator.locals = try JobspecVariables.locals(file, evaluator: evaluator)

        let jobs = file.blocks.filter { $0.type == "job" }
        guard let jobBlock = jobs.first else {
            throw HCLDiagnostic(file.range, "Missing job block", "A job block is required")
        }
        if jobs.count > 1 {
            throw HCLDiagnostic(
                jobs[1].definitionRange, "Duplicate job block",
                "Only one block of type \"job\" is allowed. Previous definition was at \(jobBlock.definitionRange).")
        }
        let decoder = JobspecDecoder(evaluator: evaluator)
        try decoder.expectLabels(jobBlock, 1)
        let label = jobBlock.labels[0]
        var job = try decoder.decode(jobBlock.body, JobspecSchema.job)
        // Nomad names the job after its label unless `id`/`name` say otherwise.
        if job["Name"]?.isNull ?? true { job["Name"] = .string(label) }
        if job["ID"]?.isNull ?? true { job["ID"] = .string(label) }
        return job
    }
}

/// A jobspec that could not be parsed; the message names the line and column, as Nomad's does.
public struct JobspecError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
