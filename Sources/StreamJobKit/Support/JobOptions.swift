import ArgumentParser
import Stream

/// The options every command that runs a pipeline shares.
struct JobOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("A pipeline setting, key=value (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Option(help: "The checkpoint directory: checkpoints go to <dir>/<job>/chk-<n>.")
    var checkpointDir: String?

    @Option(help: "Worker threads (default: one per core).")
    var workers: Int = Runtime.defaultWorkerCount

    func validate() throws {
        guard workers > 0 else { throw ValidationError("--workers must be at least 1") }
        _ = try pipelineSettings()
    }

    func pipelineSettings() throws -> PipelineSettings {
        try Self.parse(settings)
    }

    static func parse(_ settings: [String]) throws -> PipelineSettings {
        var values: [String: String] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw ValidationError("--set \(setting): write key=value")
            }
            values[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
        }
        return PipelineSettings(values)
    }

    /// Builds the pipeline's job with these settings, validated.
    func job(for name: String) throws -> Job {
        try Self.building(name, settings: settings, validating: true)
    }

    static func building(_ name: String, settings: [String], validating: Bool) throws -> Job {
        let pipeline = try Registry.pipeline(named: name)
        let job = try pipeline.build(try parse(settings))
        if validating { try job.validate() }
        return job
    }
}
