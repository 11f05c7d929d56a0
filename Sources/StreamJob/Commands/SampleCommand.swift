import ArgumentParser
import Samples
import Stream

/// `stream-job sample <name>`: runs a sample program and checks its result.
struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Run a sample program on the task runtime and check its result.",
        discussion: """
            Each sample compares its result with a plain sequential computation and fails
            (exit code 1) if they differ.

            Examples:
              stream-job sample chunked
              stream-job sample realtime --paced
              stream-job sample all --workers 4
            """
    )

    @Argument(help: "The sample to run (see --list), or 'all'.")
    var name: String?

    @Flag(help: "List the samples and exit.")
    var list = false

    @Option(help: "Worker threads (default: one per core).")
    var workers: Int = Runtime.defaultWorkerCount

    @Flag(help: "Run streams at the pace of their event time (realtime: one window per second).")
    var paced = false

    func validate() throws {
        if list { return }
        guard let name else { throw ValidationError("Name a sample: \(Self.names), or 'all'.") }
        if name != "all" && Sample.named(name) == nil {
            throw ValidationError("There is no sample '\(name)'. Choose one of: \(Self.names), or 'all'.")
        }
        if workers < 1 { throw ValidationError("--workers must be at least 1.") }
    }

    static var names: String { Sample.all.map(\.name).joined(separator: ", ") }

    func run() async throws {
        if list {
            for sample in Sample.all { print("\(sample.name.padding(10))\(sample.summary)") }
            return
        }
        let chosen = name == "all" ? Sample.all : [Sample.named(name!)!]
        let runtime = Runtime(workers: workers)
        defer { runtime.shutdown() }
        var failed = 0
        for sample in chosen {
            let clock = ContinuousClock()
            let start = clock.now
            let checks = try await sample.run(runtime, SampleOptions(paced: paced)) { print($0) }
            for check in checks { print(check) }
            failed += checks.filter { !$0.passed }.count
            print("\(sample.name): \(checks.count - checks.filter { !$0.passed }.count) checks passed, "
                + "\(checks.filter { !$0.passed }.count) failed in \(clock.now - start)\n")
        }
        if failed > 0 { throw ExitCode.failure }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
