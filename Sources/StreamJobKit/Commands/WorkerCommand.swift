import ArgumentParser
import Stream

/// `worker`: what a job's worker processes run (`--worker-processes`), not meant to be typed.
/// It serves the job's socket (file descriptor 3): the functions registered in this executable,
/// and, with `--pipeline`, the isolated steps of that pipeline built with the same settings as
/// the job's, so each step's code is the same code the job would have run.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Serve a job's remote tasks (started by the job itself).",
        shouldDisplay: false
    )

    @Option(help: "The pipeline whose isolated steps this worker runs.")
    var pipeline: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A pipeline setting, key=value (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    func run() throws {
        if let pipeline {
            let job = try JobOptions.building(pipeline, settings: settings, validating: false)
            job.registerIsolatedSteps()
        }
        WorkerServer.serve()
    }
}
