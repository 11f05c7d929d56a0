import ArgumentParser
import Stream
import StreamBenchmarks
import Samples

/// `stream-job bench …`: benchmarks that print figures.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine; prints one line per figure (median and spread of several runs).",
        subcommands: [RuntimeBenchCommand.self, WindowBenchCommand.self, CheckpointBenchCommand.self, KafkaBenchCommand.self,
                      NexmarkBenchCommand.self, JSONBenchCommand.self, PipelineBenchCommand.self, GroupBenchCommand.self]
    )
}

/// `stream-job bench runtime`: the W2 task runtime figures.
struct RuntimeBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Empty tasks/s, dependency-hop latency, fan-out/fan-in, actor calls/s, object sharing.",
        discussion: """
            Build in release mode first (make bench, or swift build -c release).

            Examples:
              stream-job bench runtime
              stream-job bench runtime --runs 5 --workers 4
              stream-job bench runtime --scale 0.1      a quick look
              stream-job bench runtime --worker-processes 2   remote tasks, and W1 with an isolated decode step
            """
    )

    @OptionGroup var runOptions: BenchRunOptions

    @Option(help: "Multiplies every operation count (below 1 for a quick look).")
    var scale = 1.0

    @Option(help: "Measure remote tasks in this many worker processes instead, and W1 with its decode step isolated in them.")
    var workerProcesses: Int?

    @Option(help: "W1 events for the isolated-decode comparison (0: skip it).")
    var w1Events = 2_000_000

    @Option(help: "Where the W1 input goes.")
    var dataDir = "bench-data"

    func validate() throws {
        if !(scale > 0) { throw ValidationError("--scale must be above 0.") }
        if let workerProcesses, workerProcesses < 1 { throw ValidationError("--worker-processes must be at least 1.") }
    }

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; figures are far below release ones (make bench)")
        #endif
        if let workerProcesses {
            print("remote runtime benchmark: \(workerProcesses) worker processes, \(runOptions.workers) threads, \(runOptions.runs) runs each, scale \(scale)")
            try await RemoteRuntimeBenchmark(processes: workerProcesses, workers: runOptions.workers, runs: runOptions.runs, scale: scale,
                                             dataDirectory: dataDir, w1Events: w1Events).run { print($0) }
            return
        }
        print("runtime benchmark: \(runOptions.workers) workers, \(runOptions.runs) runs each, scale \(scale)")
        try await RuntimeBenchmark(workers: runOptions.workers, runs: runOptions.runs, scale: scale).run { print($0.line) }
    }
}

/// `stream-job bench window`: W1, keyed tumbling event-time windows from file to file.
struct WindowBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "window",
        abstract: "W1: CSV events → 1 s tumbling windows, count and sum per key → CSV; output checked.",
        discussion: """
            Writes the input file under --data-dir if it is missing (10M events is about 250 MB).
            With two or more sizes, also prints the steady-state rate between the smallest and largest.

            Examples:
              stream-job bench window --events 10000000
              stream-job bench window --events 1000000 --events 10000000 --runs 3
              stream-job bench window --against-c    (ratios to the C loop and to 1 worker)
            """
    )

    @Option(help: "Events in the input (repeat for several sizes).")
    var events: [Int] = [10_000_000]

    @OptionGroup var runOptions: BenchRunOptions

    @Option(help: "Where input and output files go.")
    var dataDir = "bench-data"

    @Flag(help: "Skip checking the output (for profiling only; figures from unchecked runs are not results).")
    var noCheck = false

    @Flag(help: "Also run, in this run, the C loop (Benchmarks/c/w1_roofline.c, built with cc) alone and two at once, and the job with 1 worker; print the ratios.")
    var againstC = false

    func validate() throws {
        if events.contains(where: { $0 < 1 }) { throw ValidationError("--events must be at least 1.") }
    }

    func run() async throws {
        print("W1 window benchmark: \(runOptions.workers) workers, \(runOptions.runs) runs each")
        var benchmark = WindowBenchmark(events: events.sorted(), runs: runOptions.runs, workers: runOptions.workers, dataDirectory: dataDir)
        benchmark.checksOutput = !noCheck
        benchmark.againstC = againstC
        try await benchmark.run { print($0) }
    }
}

struct CheckpointBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "W1 with a checkpoint every second against without; 100 MB of keyed state written and restored; restart to first output.",
        discussion: """
            Examples:
              stream-job bench checkpoint
              stream-job bench checkpoint --events 1000000 --state-keys 100000 --runs 1
            """
    )

    @Option(help: "W1 events.")
    var events = 10_000_000

    @Option(help: "Keys of about 100 bytes of state each, for the large-state checkpoint.")
    var stateKeys = 1_000_000

    @OptionGroup var runOptions: BenchRunOptions

    @Option(help: "Where input, output and checkpoints go.")
    var dataDir = "bench-data"

    func validate() throws {
        if events < 1 || stateKeys < 1 { throw ValidationError("--events and --state-keys must be at least 1.") }
    }

    func run() async throws {
        print("checkpoint benchmark: \(runOptions.workers) workers, \(runOptions.runs) runs each")
        try await CheckpointBenchmark(events: events, stateKeys: stateKeys, runs: runOptions.runs, workers: runOptions.workers, dataDirectory: dataDir).run { print($0) }
    }
}

struct KafkaBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "W3: read the embedded broker's partitions with a bare librdkafka loop and through KafkaSource; produce likewise.",
        discussion: """
            Examples:
              stream-job bench kafka
              stream-job bench kafka --records 200000 --produce 50000 --runs 1
            """
    )

    @Option(help: "Records each consume measurement reads at least (passes over the topic).")
    var records = 2_000_000

    @Option(help: "Records each produce measurement writes.")
    var produce = 500_000

    @OptionGroup var runOptions: BenchRunOptions

    func validate() throws {
        if records < 1 || produce < 1 { throw ValidationError("--records and --produce must be at least 1.") }
    }

    func run() async throws {
        print("W3 Kafka benchmark (embedded broker): \(runOptions.workers) workers, \(runOptions.runs) runs each")
        try await KafkaBenchmark(minimumRecords: records, produceRecords: produce, runs: runOptions.runs, workers: runOptions.workers).run { print($0) }
    }
}

/// What every benchmark takes: how many runs of each measurement, on how many workers.
struct BenchRunOptions: ParsableArguments {
    @Option(help: "Runs of each measurement; the median is shown with the spread.")
    var runs = 3

    @Option(help: "Worker threads (default: one per core).")
    var workers: Int = Runtime.defaultWorkerCount

    func validate() throws {
        if runs < 1 { throw ValidationError("--runs must be at least 1.") }
        if workers < 1 { throw ValidationError("--workers must be at least 1.") }
    }
}

/// `stream-job bench nexmark`: the Nexmark queries' pipelines, timed and checked.
struct NexmarkBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nexmark",
        abstract: "Nexmark q0–q11: wall, events/s (all N events), steady state, peak memory, rows; output checked.",
        discussion: """
            With --source files (the default), the three CSV files are written once under --data-dir
            (10M events is about 2 GB). Each query formats its rows as CSV lines and keeps their count
            and fingerprint instead of writing them (as Flink's figures use a discarding sink); every
            run's fingerprint is checked against the reference computation's, which holds the events
            in memory (about 3 GB at 10M; --no-check skips it).

            Examples:
              stream-job bench nexmark --events 1000000
              stream-job bench nexmark --events 1000000 --events 10000000 --query q0 --query q5
              stream-job bench nexmark --source generator --runs 1
            """
    )

    @Option(help: "Events in the input, all kinds together (repeat for several sizes).")
    var events: [Int] = [1_000_000]

    @Option(help: "A query: q0, q1, q2, q3, q4, q5, q7, q8, q11 (repeatable; default all).")
    var query: [String] = []

    @Option(help: "files (the CSV files, as Flink reads them) or generator (in memory).")
    var source = "files"

    @OptionGroup var runOptions: BenchRunOptions

    @Option(help: "Where the input and output files go.")
    var dataDir = "bench-data"

    @Flag(help: "Skip checking the output (for profiling only).")
    var noCheck = false

    func validate() throws {
        guard NexmarkBenchmark.Input(rawValue: source) != nil else { throw ValidationError("--source must be files or generator.") }
        for name in query where !NexmarkReference.queries.contains(name) {
            throw ValidationError("no query \(name); the queries are \(NexmarkReference.queries.joined(separator: ", "))")
        }
    }

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; figures are far below release ones")
        #endif
        var benchmark = NexmarkBenchmark(events: events, queries: query.isEmpty ? NexmarkReference.queries : query,
                                         input: NexmarkBenchmark.Input(rawValue: source)!, runs: runOptions.runs,
                                         workers: runOptions.workers, dataDirectory: dataDir)
        benchmark.checksOutput = !noCheck
        print("Nexmark benchmark: \(runOptions.workers) workers, \(runOptions.runs) runs each, input from \(source); rows formatted as CSV and fingerprinted, not written")
        try await benchmark.run { print($0) }
    }
}

/// `stream-job bench json`: JSON decoding alone, `JSONDecoder` against `JSONRecordDecoder`.
struct JSONBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json",
        abstract: "Decoding JSON click records one at a time: JSONDecoder against JSONRecordDecoder, same records, checked.",
        discussion: """
            Examples:
              stream-job bench json
              stream-job bench json --records 5000000 --runs 5
            """
    )

    @Option(help: "Click records to decode per run.")
    var records = 1_000_000

    @Option(help: "Runs of each measurement; the median is shown with the spread.")
    var runs = 3

    @Flag(help: "Time only JSONRecordDecoder (to profile it).")
    var withoutFoundation = false

    func run() throws {
        print("JSON decoding benchmark: \(runs) runs each, one thread")
        var benchmark = JSONBenchmark(records: records, runs: runs)
        benchmark.includesFoundation = !withoutFoundation
        try benchmark.run { print($0) }
    }
}

/// `stream-job bench pipeline`: W4, clickstream's shape over Kafka, against a bare librdkafka loop.
struct PipelineBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "W4: JSON clicks from Kafka → dedupe → 5 s counts → Kafka and CSV, checkpointed; records/s and ÷ a bare librdkafka loop.",
        discussion: """
            The embedded broker keeps about 5 MiB a partition, so the clicks go in in rounds that
            fit, to one running job: while a round is produced the job's source is held and no
            clock runs; then the job is timed until it has decoded the round and deduplicated it,
            and a bare librdkafka consumer, also connected once, is timed reading the same round.
            The last windows fire in a restored run to the end of input, and the output is
            checked against a plain computation.

            Examples:
              stream-job bench pipeline
              stream-job bench pipeline --records 1000000 --runs 1
            """
    )

    @Option(help: "Click records in all.")
    var records = 5_000_000

    @OptionGroup var runOptions: BenchRunOptions

    @Option(help: "Clicks per round (what the embedded broker keeps on 4 partitions bounds it).")
    var roundSize = 200_000

    @Option(help: "Where the job's checkpoints and output go.")
    var dataDir = "bench-data"

    func validate() throws {
        guard records >= 1, roundSize >= 1 else { throw ValidationError("--records and --round-size must be at least 1.") }
    }

    func run() async throws {
        print("W4 pipeline benchmark: \(runOptions.workers) workers, \(runOptions.runs) runs, embedded broker, checkpoints every second")
        var benchmark = PipelineBenchmark(records: records, runs: runOptions.runs, workers: runOptions.workers, dataDirectory: dataDir)
        benchmark.roundSize = roundSize
        try await benchmark.run { print($0) }
    }
}

/// `stream-job bench group`: scale-out, clickstream as a group of instances against one without a group.
struct GroupBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Scale-out: clickstream without a group, and as a group of 1, 2 and 3 instances; clicks/s, ratios and the takeover time after a SIGKILL.",
        discussion: """
            Each configuration runs separate `stream-job run clickstream` processes against a
            broker in this process, with a fresh group and checkpoint directory. The instances
            are timed from when the measured clicks are produced to when their last count is in
            the output topic (after a warm-up round shows the group formed); the output is
            checked against a plain computation. With 2 instances, one is then killed and the
            time to the next round's last count measured. On one 2-core machine instances share
            the cores: the figures show what the exchanges and the group cost, not a speed-up.

            Examples:
              stream-job bench group
              stream-job bench group --clicks 100000 --runs 1
            """
    )

    @Option(help: "Clicks in the measured round (the embedded broker keeps about 5 MiB a partition).")
    var clicks = 200_000

    @Option(help: "How many times each configuration is measured.")
    var runs = 3

    @Option(help: "Worker threads per instance.")
    var workers = 1

    @Option(help: "The group's session timeout (how long Kafka waits before it gives a silent instance's tasks away).")
    var sessionTimeoutMs = 6_000

    @Option(help: "Where the instances' checkpoints and output go.")
    var dataDir = "bench-data"

    func run() throws {
        print("scale-out benchmark: clickstream, \(clicks) clicks, \(workers) worker(s) per instance, \(runs) runs, embedded broker")
        var benchmark = GroupBenchmark(clicks: clicks, runs: runs, workers: workers, dataDirectory: dataDir)
        benchmark.sessionTimeoutMilliseconds = sessionTimeoutMs
        try benchmark.run { print($0) }
    }
}

