import Foundation
import Operators
import StreamTesting
import Synchronization
import Testing

/// State whose encoding fails while `failures` is above zero: a checkpoint that cannot be written.
struct Flaky: Codable, Sendable {
    static let failures = Atomic(0)
    struct Refused: Error {}

    var count = 0

    init() {}

    func encode(to encoder: any Encoder) throws {
        if Self.failures.load(ordering: .relaxed) > 0 {
            Self.failures.subtract(1, ordering: .relaxed)
            throw Refused()
        }
        var container = encoder.singleValueContainer()
        try container.encode(count)
    }

    init(from decoder: any Decoder) throws {
        count = try decoder.singleValueContainer().decode(Int.self)
    }
}

/// Counts records per key; its state is `Flaky`.
struct FlakyCounter: KeyedProcessFunction {
    var counts: KeyedState<Int, Flaky>

    init(restoring state: KeyedState<Int, Flaky>) { counts = state }

    func snapshot() -> KeyedState<Int, Flaky> { counts }

    mutating func process(_ record: KeyedRecord<Int, Int>, _ output: inout ProcessOutput<Int, String>) {
        counts[record.key, default: Flaky()].count += 1
        output.emit("k\(record.key)=\(counts[record.key]!.count)", for: record)
    }
}

/// Processing-time timers: fire once the job's clock reaches them.
struct Reminder: KeyedProcessFunction {
    var pending: KeyedState<Int, Int64>

    init(restoring state: KeyedState<Int, Int64>) { pending = state }

    func snapshot() -> KeyedState<Int, Int64> { pending }

    mutating func process(_ record: KeyedRecord<Int, Int>, _ output: inout ProcessOutput<Int, String>) {
        guard pending[record.key] == nil else { return }
        pending[record.key] = output.now + 100
        output.setTimer(.processingTime, for: record.key, at: output.now + 100)
    }

    mutating func onTimer(_ timer: KeyedTimer<Int>, _ output: inout ProcessOutput<Int, String>) {
        pending[timer.key] = nil
        output.emit("remind k\(timer.key) at \(output.now)")
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct CheckpointLifecycleTests {
    static func counterJob(_ sink: TestSink<String>, control: RunControl? = nil, requestAt: Int? = nil) -> Job {
        let job = Job("lifecycle")
        job.source("numbers", .records(Array(0..<200), batchSize: 10))
            .map { value in
                if value == requestAt { control?.requestCheckpoint() }
                return value
            }
            .processingTime()
            .keyed(by: { $0 % 7 })
            .process("counter") { FlakyCounter(restoring: $0) }
            .sink("out", sink.sink)
        return job
    }

    @Test func aFailedCheckpointIsReportedAndTheNextOneTakesItsPlace() async throws {
        let root = RestoreDifferentialTests.checkpointRoot()
        Flaky.failures.store(1, ordering: .relaxed)
        let sink = TestSink<String>()
        let summary = try await Self.counterJob(sink).run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .zero))
        #expect(summary.failedCheckpoints == 1)
        #expect(summary.checkpoints >= 1)
        #expect(summary.lastCheckpoint?.error == nil)
        #expect(sink.values.count == 200)
        let store = CheckpointStore(root: root, job: "lifecycle")
        #expect(try store.latest()?.manifest.sources["numbers"] == "end")
    }

    @Test func aCheckpointCanBeRequestedWhileTheJobRuns() async throws {
        let root = RestoreDifferentialTests.checkpointRoot()
        let control = RunControl()
        let summary = try await Self.counterJob(TestSink(), control: control, requestAt: 55)
            .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600), control: control))
        // At the start, the one requested, and the final one.
        #expect(summary.checkpoints == 3)
        let store = CheckpointStore(root: root, job: "lifecycle")
        #expect(try store.read(id: 1).manifest.sources["numbers"] == "0")
        #expect(try store.read(id: 2).manifest.sources["numbers"] == "60")
    }

    @Test func aCheckpointOfAnotherPipelineIsRefusedStepByStep() async throws {
        let root = RestoreDifferentialTests.checkpointRoot()
        try await Self.counterJob(TestSink()).run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root))
        let renamed = Job("lifecycle")
        renamed.source("numbers", .records(Array(0..<10)))
            .processingTime()
            .keyed(by: { $0 % 7 })
            .process("renamed-counter") { FlakyCounter(restoring: $0) }
            .sink("out", TestSink<String>().sink)
        let error = await #expect(throws: StreamError.self) {
            try await renamed.run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, restore: .latest))
        }
        #expect(error?.message.contains("holds state for step 'counter', which this pipeline does not have") == true)
    }

    @Test func processingTimeTimersFireWhenTheClockReachesThem() async throws {
        let clock = TestClock()
        let job = Job("reminders")
        let sink = TestSink<String>()
        job.source("numbers", .records([1, 2, 1, 3, 2, 1], batchSize: 1))
            .map { value in
                clock.advance(by: .milliseconds(40))
                return value
            }
            .processingTime()
            .keyed(by: { $0 })
            .process("reminders") { Reminder(restoring: $0) }
            .sink("out", sink.sink)
        try await job.run(on: Runtime(workers: 2), clock: clock)
        // k1 set at 40 → due 140, fires with the batch at 160; k2 set at 80 → due 180, fires at 200;
        // k3 set at 160 → due 260, after the input ends: never due.
        #expect(sink.values == ["remind k1 at 160", "remind k2 at 200"])
    }
}
