import ArgumentParser
import Foundation
import Stream

/// `stream-job run <pipeline>`: runs a pipeline, checkpointing and resuming when asked.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline; with --checkpoint-dir, checkpoint it and commit its output exactly once.",
        discussion: """
            SIGINT or SIGTERM stop the job gracefully (stop reading, drain, final checkpoint,
            commit); a second signal stops it at once.

            Examples:
              stream-job run w1-windows --set input=data/w1.csv --set output=out/w1.csv
              stream-job run w1-windows --checkpoint-dir state --checkpoint-interval 1s
              stream-job run w1-windows --checkpoint-dir state --restore latest
              stream-job run w1-windows --checkpoint-dir state --restore chk-12
            """
    )

    @Argument(help: "The pipeline to run (see `pipelines`).")
    var pipeline: String

    @OptionGroup var job: JobOptions

    @Option(help: "How often to checkpoint: 250ms, 1s, 1m … (needs --checkpoint-dir).")
    var checkpointInterval = "10s"

    @Option(help: "How many complete checkpoints to keep.")
    var retain = 3

    @Option(help: "Resume from a checkpoint: latest (none yet: start afresh) or chk-<n>.")
    var restore: String?

    func validate() throws {
        guard DurationText.parse(checkpointInterval) != nil else {
            throw ValidationError("--checkpoint-interval \(checkpointInterval): write a duration such as 500ms, 1s or 2m")
        }
        if let restore {
            guard RestorePoint(restore) != nil else { throw ValidationError("--restore \(restore): write latest or chk-<n>") }
            guard job.checkpointDir != nil else { throw ValidationError("--restore needs --checkpoint-dir") }
        }
        guard retain > 0 else { throw ValidationError("--retain must be at least 1") }
    }

    func run() async throws {
        let built = try job.job(for: pipeline)
        let options = RunOptions(
            checkpointDirectory: job.checkpointDir, checkpointInterval: DurationText.parse(checkpointInterval)!,
            retainedCheckpoints: retain, restore: restore.flatMap(RestorePoint.init))
        let stop = GracefulStop(control: options.control)
        let summary = try await built.run(on: Runtime(workers: job.workers), options: options)
        withExtendedLifetime(stop) {}
        reportFinished(built.name, summary, stopped: options.control.isStopRequested)
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
