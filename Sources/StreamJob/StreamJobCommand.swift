import ArgumentParser

/// `stream-job`: runs, benchmarks and demonstrates the engine's jobs.
@main
struct StreamJobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream-job",
        abstract: "Run the streaming engine's jobs, samples and benchmarks.",
        discussion: """
            Examples:
              stream-job sample realtime        run the real-time windows sample
              stream-job sample --list          list the samples
              stream-job bench runtime          measure the task runtime (median of 3 runs)
            """,
        version: "\(versionText)",
        subcommands: [SampleCommand.self, BenchCommand.self, CheckpointsCommand.self, VersionCommand.self]
    )
}
