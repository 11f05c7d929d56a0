import ArgumentParser
import Foundation
import Stream

/// `stream-job run <pipeline>`: runs a pipeline, checkpointing and resuming when asked.
struct RunCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let (command, example) = (Registry.current.commandName, Registry.current.example)
        return CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline; with a checkpoint directory, checkpoint it and commit its output exactly once.",
        discussion: """
            Settings come from a job file (--config), then STREAM_JOB_* environment variables, then
            flags, each overriding the one before (docs/CONFIGURATION.md lists them all).
            SIGINT or SIGTERM stop the job gracefully (stop reading, drain, final checkpoint,
            commit); a second signal stops it at once.

            Examples:
              \(command) run \(example) --set output=out/result.csv
              \(command) run \(example) --checkpoint-dir state --checkpoint-interval 1s
              \(command) run \(example) --checkpoint-dir state --restore latest
              \(command) run --config job.yaml --restore chk-12
            """
        )
    }

    @Argument(help: "The pipeline to run (see `pipelines`); or 'pipeline:' in the job file.")
    var pipeline: String?

    @OptionGroup var job: JobOptions

    @Option(help: "Resume from a checkpoint: latest (none yet: start afresh), latest-valid (past corrupt ones) or chk-<n>.")
    var restore: String?

    @Flag(help: "Restore even if the checkpoint holds state for steps the pipeline no longer has, dropping it.")
    var allowNonRestoredState = false

    func run() async throws {
        var configuration = try job.resolve(pipeline: pipeline, restore: restore)
        configuration.allowNonRestoredState = allowNonRestoredState
        try await configuration.runJob()
    }
}

/// One line on standard error: how the run ended and what it did.
func reportFinished(_ job: String, _ summary: JobSummary, stopped: Bool) {
    var line = "job '\(job)' \(stopped ? "stopped" : "finished"): \(summary.recordsRead) records read, \(summary.recordsWritten) written"
    if summary.deadLetters > 0 { line += ", \(summary.deadLetters) dead letters" }
    if summary.lateRecordsUnconnected > 0 { line += ", \(summary.lateRecordsUnconnected) late records dropped" }
    if let last = summary.lastCheckpoint {
        line += ", \(summary.checkpoints) checkpoints (last chk-\(last.id), \(last.bytes) bytes)"
        if summary.failedCheckpoints > 0 { line += ", \(summary.failedCheckpoints) failed" }
    }
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
