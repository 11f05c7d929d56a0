import ArgumentParser
import Stream

/// `stream-job replay <pipeline> --from chk-<n>`: re-runs from a past checkpoint into fresh output.
struct ReplayCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run a pipeline from a past checkpoint, writing its output afresh into another directory.",
        discussion: """
            The checkpoint's state and source positions are restored; every sink writes a file of
            its own name in --output-dir. No checkpoints are taken, so the job's own output and
            checkpoints stay as they were.

            Example:
              \(Registry.current.commandName) replay \(Registry.current.example) --checkpoint-dir state --from chk-3 --output-dir replay-3
            """
        )
    }

    @Argument(help: "The pipeline to replay; or 'pipeline:' in the job file.")
    var pipeline: String?

    @OptionGroup var job: JobOptions

    @Option(help: "The checkpoint to start from: chk-<n> or latest.")
    var from: String

    @Option(help: "Where the replay's output goes (default: replay-<checkpoint>).")
    var outputDir: String?

    func run() async throws {
        let configuration = try job.resolve(pipeline: pipeline, restore: from)
        try await configuration.runJob(replayInto: outputDir ?? "replay-\(configuration.restore ?? .latest)")
    }
}
