import Connectors
import Foundation
import Operators
public import Stream

/// Issue 4's figures: W1 with a checkpoint every second against W1 without; writing and
/// restoring a checkpoint of about 100 MB of keyed state; and the time from a restart to the
/// first output.
///
/// ```swift
/// try await CheckpointBenchmark(events: 10_000_000).run { print($0) }
/// ```
public struct CheckpointBenchmark: Sendable {
    public var events: Int
    public var stateKeys: Int
    public var runs: Int
    public var workers: Int
    public var dataDirectory: String

    public init(events: Int = 10_000_000, stateKeys: Int = 1_000_000, runs: Int = 3,
                workers: Int = Runtime.defaultWorkerCount, dataDirectory: String = "bench-data") {
        self.events = events
        self.stateKeys = stateKeys
        self.runs = max(1, runs)
        self.workers = workers
        self.dataDirectory = dataDirectory
    }

    public func run(report: (String) -> Void) async throws {
        try await w1WithCheckpoints(report: report)
        try await largeState(report: report)
        try await restartToFirstOutput(report: report)
    }

    var w1: WindowBenchmark { WindowBenchmark(events: [events], runs: runs, workers: workers, dataDirectory: dataDirectory) }

    func input() throws -> String {
        let input = "\(dataDirectory)/w1-\(events)-seed42.csv"
        if !FileManager.default.fileExists(atPath: input) { try W1Generator.writeCSV(count: events, seed: 42, to: input) }
        return input
    }

    /// W1 without and with a checkpoint every second, runs alternating; the outputs must be equal.
    func w1WithCheckpoints(report: (String) -> Void) async throws {
        let input = try input()
        var plain: [Double] = []
        var checkpointed: [Double] = []
        var checkpoints: [Double] = []
        var stateBytes: [Double] = []
        for run in 0..<runs {
            let output = "\(dataDirectory)/w1-ckpt-plain.csv"
            plain.append(try await seconds { _ = try await w1.pipeline(input: input, output: output, late: output + ".late") })
            let state = "\(dataDirectory)/w1-ckpt-state-\(run)"
            DurableCleanup.remove(state)
            let staged = "\(dataDirectory)/w1-ckpt.csv"
            var summary = JobSummary()
            checkpointed.append(try await seconds {
                summary = try await w1.pipeline(input: input, output: staged, late: staged + ".late",
                                                options: RunOptions(checkpointDirectory: state, checkpointInterval: .seconds(1)))
            })
            checkpoints.append(Double(summary.checkpoints))
            stateBytes.append(Double(summary.lastCheckpoint?.bytes ?? 0))
            guard FileManager.default.contentsEqual(atPath: output, andPath: staged),
                  FileManager.default.contentsEqual(atPath: output + ".late", andPath: staged + ".late") else {
                throw StreamError(.invalidJob, step: "w1", action: "check", message: "output with checkpoints differs from output without")
            }
            DurableCleanup.remove(state)
        }
        let without = Figure(name: "W1 \(Figure.format(Double(events))) events, no checkpoints", unit: "s", samples: plain)
        let with = Figure(name: "W1 \(Figure.format(Double(events))) events, checkpoint every 1 s", unit: "s", samples: checkpointed)
        report(without.line)
        report(with.line)
        report(Figure(name: "  checkpoints per run (incl. the final one)", unit: "", samples: checkpoints).line)
        report(Figure(name: "W1 throughput with checkpoints / without", unit: "%", samples: zip(plain, checkpointed).map { 100 * $0 / $1 }).line)
        report("  (output with checkpoints equals output without: checked on every run)")
    }

    /// One entry per key of about 100 bytes of state each: the final checkpoint's write time, then a restore.
    func largeState(report: (String) -> Void) async throws {
        var writes: [Double] = []
        var restores: [Double] = []
        var sizes: [Double] = []
        for run in 0..<runs {
            let state = "\(dataDirectory)/large-state-\(run)"
            DurableCleanup.remove(state)
            let options = RunOptions(checkpointDirectory: state, checkpointInterval: .seconds(3600))
            let runtime = Runtime(workers: workers)
            defer { runtime.shutdown() }
            let written = try await largeStateJob().run(on: runtime, options: options)
            guard let last = written.lastCheckpoint else { throw StreamError(.invalidJob, step: "state", action: "check", message: "no checkpoint") }
            writes.append(Double(last.duration.milliseconds) / 1000)
            sizes.append(Double(last.bytes) / 1_048_576)
            var restoring = options
            restoring.restore = .latest
            let restored = try await largeStateJob().run(on: runtime, options: restoring)
            restores.append(Double((restored.restoreDuration ?? .zero).milliseconds) / 1000)
            DurableCleanup.remove(state)
        }
        report(Figure(name: "keyed state in the checkpoint (\(Figure.format(Double(stateKeys))) keys)", unit: "MB", samples: sizes).line)
        report(Figure(name: "  checkpoint write (encode, fsync, rename)", unit: "s", samples: writes).line)
        report(Figure(name: "  restore (read, verify, decode, split by key group)", unit: "s", samples: restores).line)
    }

    func largeStateJob() -> Job {
        let job = Job("large-state")
        let keys = stateKeys
        job.source("records", Source("\(keys) keyed records") { context in
            CountingReader(count: keys, restoredPosition: context.restoredPosition)
        })
        .processingTime()
        .keyed(by: { $0 })
        .process("state") { KeepLatest(restoring: $0) }
        .sink("nothing", Sink("nowhere") { _ in DiscardWriter<Int>() })
        return job
    }

    /// Stops W1 half-way (final checkpoint), then measures a restart from there until the first output.
    func restartToFirstOutput(report: (String) -> Void) async throws {
        let input = try input()
        var firsts: [Double] = []
        var restores: [Double] = []
        for run in 0..<runs {
            let state = "\(dataDirectory)/restart-state-\(run)"
            DurableCleanup.remove(state)
            let output = "\(dataDirectory)/restart.csv"
            let half = W1Generator.base + Int64(events) * 1000 / W1Generator.eventsPerSecond / 2
            _ = try await w1.pipeline(input: input, output: output, late: output + ".late",
                                      options: RunOptions(checkpointDirectory: state, checkpointInterval: .seconds(1)), stopAt: half)
            let resumed = try await w1.pipeline(input: input, output: output, late: output + ".late",
                                                options: RunOptions(checkpointDirectory: state, restore: .latest))
            firsts.append(Double((resumed.firstOutputAfter ?? .zero).milliseconds))
            restores.append(Double((resumed.restoreDuration ?? .zero).milliseconds))
            DurableCleanup.remove(state)
        }
        report(Figure(name: "restart from a checkpoint half-way through W1: restore", unit: "ms", samples: restores).line)
        report(Figure(name: "  restart to first output", unit: "ms", samples: firsts).line)
    }
}

/// Per key, the latest record's payload: about 100 bytes of state per key.
struct KeepLatest: KeyedProcessFunction {
    var latest: KeyedState<Int, String>

    init(restoring state: KeyedState<Int, String>) {
        latest = state
    }

    func snapshot() -> KeyedState<Int, String> { latest }

    mutating func process(_ record: KeyedRecord<Int, Int>, _ output: inout ProcessOutput<Int, Int>) {
        latest[record.key] = String(repeating: "x", count: 85) + String(record.value)
    }
}

/// The numbers 0..<count in batches, resumable.
final class CountingReader: SourceReader, @unchecked Sendable {
    // Safe: the job's driver calls it one call at a time.
    private var next = 0
    private let count: Int

    init(count: Int, restoredPosition: String?) {
        self.count = count
        next = restoredPosition.flatMap { Int($0) } ?? 0
    }

    var position: String? { String(next) }

    func next() async throws -> RecordBatch<Int>? {
        guard next < count else { return nil }
        let end = min(count, next + 32_768)
        defer { next = end }
        return RecordBatch(values: Array(next..<end))
    }
}

final class DiscardWriter<Value: Sendable>: SinkWriter {
    func write(_ batch: RecordBatch<Value>) async throws {}
    func close() async throws {}
}

enum DurableCleanup {
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
