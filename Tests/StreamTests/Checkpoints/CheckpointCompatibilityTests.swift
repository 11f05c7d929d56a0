import Foundation
import Operators
import StreamTesting
@testable import Stream
import Testing

/// A count in a struct of its own: the state type `PlainCounter`'s plain integers replace.
struct Tally: Codable, Sendable {
    var count = 0
}

/// Counts records per key in `Tally` values.
struct TallyCounter: KeyedProcessFunction {
    var counts: KeyedState<Int, Tally>

    init(restoring state: KeyedState<Int, Tally>) { counts = state }

    func snapshot() -> KeyedState<Int, Tally> { counts }

    mutating func process(_ record: KeyedRecord<Int, Int>, _ output: inout ProcessOutput<Int, String>) {
        counts[record.key, default: Tally()].count += 1
        output.emit("k\(record.key)=\(counts[record.key]!.count)", for: record)
    }
}

/// `Tally` grown a field: restores from checkpoints of `Tally`, converting each value.
struct TallyV2: MigratableState {
    var count: Int
    var migrated: Bool

    init(count: Int = 0) {
        self.count = count
        migrated = false
    }

    init(migrating old: Tally) {
        count = old.count
        migrated = true
    }
}

/// Counts records per key in `TallyV2` values, saying which keys' counts came from a migration.
struct TallyV2Counter: KeyedProcessFunction {
    var counts: KeyedState<Int, TallyV2>

    init(restoring state: KeyedState<Int, TallyV2>) { counts = state }

    func snapshot() -> KeyedState<Int, TallyV2> { counts }

    mutating func process(_ record: KeyedRecord<Int, Int>, _ output: inout ProcessOutput<Int, String>) {
        counts[record.key, default: TallyV2()].count += 1
        let tally = counts[record.key]!
        output.emit("k\(record.key)=\(tally.count)\(tally.migrated ? " migrated" : "")", for: record)
    }
}

/// Counts records per key, keeping plain integers: the same step as `TallyCounter` with another state type.
struct PlainCounter: KeyedProcessFunction {
    var counts: KeyedState<Int, Int>

    init(restoring state: KeyedState<Int, Int>) { counts = state }

    func snapshot() -> KeyedState<Int, Int> { counts }

    mutating func process(_ record: KeyedRecord<Int, Int>, _ output: inout ProcessOutput<Int, String>) {
        counts[record.key, default: 0] += 1
        output.emit("k\(record.key)=\(counts[record.key]!)", for: record)
    }
}

/// A restore against a changed pipeline: refused step by step where the state cannot carry over
/// (a window cut another way, a state type changed, a step gone), accepted where it can.
@Suite(.timeLimit(.minutes(1))) struct CheckpointCompatibilityTests {
    /// Events at 0, 100, … ms, counted per key in windows of `windowMs`.
    static func windowJob(windowMs: Int64, output: TestSink<String>) -> Job {
        let job = Job("compat")
        job.source("events", .records(Array(0..<100), batchSize: 10))
            .eventTime({ Int64($0) * 100 }, watermark: .boundedOutOfOrderness(.zero))
            .keyed(by: { $0 % 3 })
            .window("per-window", .tumbling(.milliseconds(windowMs)))
            .aggregate(.count())
            .results.map { "\($0.window.end) k\($0.key)=\($0.value)" }
            .sink("out", output.sink)
        return job
    }

    static func counterJob<Function: KeyedProcessFunction>(step: String, _ make: @escaping @Sendable (KeyedState<Int, Function.State>) -> Function,
                                                           output: TestSink<String>) -> Job
    where Function.Key == Int, Function.Input == Int, Function.Output == String {
        let job = Job("compat")
        job.source("numbers", .records(Array(0..<50), batchSize: 10))
            .processingTime()
            .keyed(by: { $0 % 7 })
            .process(step, make)
            .sink("out", output.sink)
        return job
    }

    @Test func aCheckpointRecordsEachStatefulStepsSignatureAndTheSettings() async throws {
        let root = RestoreDifferentialTests.checkpointRoot()
        var options = RunOptions(checkpointDirectory: root)
        options.settings = ["window-ms": "1000", "output": "a.csv"]
        try await Self.windowJob(windowMs: 1_000, output: TestSink()).run(on: Runtime(workers: 1), options: options)
        let manifest = try #require(try CheckpointStore(root: root, job: "compat").latest()).manifest
        #expect(manifest.settings == ["window-ms": "1000", "output": "a.csv"])
        let window = try #require(manifest.steps?["per-window"])
        #expect(window.configuration == "tumbling(1000 ms), allowed lateness 0 ms")
        #expect(window.schema.contains("Swift.Int"))
    }

    @Test func aWindowCutAnotherWayIsRefusedNamingTheChange() async throws {
        let root = RestoreDifferentialTests.checkpointRoot()
        let control = RunControl()
        let first = TestSink<String>()
        let job = Self.windowJob(windowMs: 1_000, output: first)
        try await job.run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, control: control))
        let wider = TestSink<String>()
        let error = await #expect(throws: StreamError.self) {
            try await Self.windowJob(windowMs: 2_000, output: wider)
                .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, restore: .latest))
        }
        #expect(error?.message.contains("step 'per-window' changed from tumbling(1000 ms), allowed lateness 0 ms to tumbling(2000 ms)") == true,
                "\(error?.message ?? "")")
        #expect(wider.values.isEmpty)
        // The same window restores.
        try await Self.windowJob(windowMs: 1_000, output: TestSink()).run(on: Runtime(workers: 1),
                                                                        options: RunOptions(checkpointDirectory: root, restore: .latest))
    }

    @Test func aChangedStateTypeIsRefused() async throws {
        let root = RestoreDifferentialTests.checkpointRoot()
        try await Self.counterJob(step: "counter", { TallyCounter(restoring: $0) }, output: TestSink())
            .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root))
        let error = await #expect(throws: StreamError.self) {
            try await Self.counterJob(step: "counter", { PlainCounter(restoring: $0) }, output: TestSink())
                .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, restore: .latest))
        }
        let message = error?.message ?? ""
        #expect(message.contains("step 'counter': its state was written as") && message.contains("Tally") && message.contains("cannot be read back"),
                "\(message)")
    }

    @Test func aMigratableStateTypeRestoresTheOldStateConverted() async throws {
        let root = RestoreDifferentialTests.checkpointRoot()
        try await Self.counterJob(step: "counter", { TallyCounter(restoring: $0) }, output: TestSink())
            .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root))
        let store = CheckpointStore(root: root, job: "compat")
        let written = try #require(try store.latest())
        let check = CheckpointCompatibility(checkpoint: written.manifest, stateSteps: Set(written.states.keys),
                                            steps: ["counter": .keyedState(Int.self, TallyV2.self)], settings: nil)
        #expect(check.refusals(allowingNonRestoredState: false).isEmpty)
        #expect(check.changes.contains { if case .migrated(step: "counter", _, _) = $0 { true } else { false } })

        // Restored with the new type: its final checkpoint holds every key's count, converted.
        try await Self.counterJob(step: "counter", { TallyV2Counter(restoring: $0) }, output: TestSink())
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, restore: .latest))
        let converted = try #require(try store.latest())
        #expect(converted.manifest.id > written.manifest.id)
        #expect(converted.manifest.steps?["counter"]?.schema.contains("TallyV2") == true)
        let state = try StateCodec.decode(ProcessCheckpoint<Int, TallyV2>.self, from: try #require(converted.states["counter"]), step: "counter")
        let values = state.parts.flatMap { $0.state.entries.values.map(\.value) }
        #expect(values.count == 7)
        #expect(values.map(\.count).reduce(0, +) == 50)
        #expect(values.allSatisfy { $0.migrated })
    }

    @Test func stateOfARemovedStepIsDroppedOnlyWhenAllowed() async throws {
        let root = RestoreDifferentialTests.checkpointRoot()
        try await Self.counterJob(step: "counter", { PlainCounter(restoring: $0) }, output: TestSink())
            .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root))
        var options = RunOptions(checkpointDirectory: root, restore: .latest)
        await #expect(throws: StreamError.self) {
            try await Self.counterJob(step: "renamed", { PlainCounter(restoring: $0) }, output: TestSink())
                .run(on: Runtime(workers: 1), options: options)
        }
        options.allowNonRestoredState = true
        let output = TestSink<String>()
        // The finished source has nothing more to read; the renamed step starts empty.
        try await Self.counterJob(step: "renamed", { PlainCounter(restoring: $0) }, output: output)
            .run(on: Runtime(workers: 1), options: options)
        let manifest = try #require(try CheckpointStore(root: root, job: "compat").latest()).manifest
        #expect(manifest.steps?["counter"] == nil)
        #expect(manifest.steps?["renamed"] != nil)
    }

    @Test func theComparisonListsEveryKindOfChange() {
        let manifest = CheckpointManifest(formatVersion: 1, job: "j", id: 4, createdAt: 0, watermark: 0, sources: [:], states: [],
                                          steps: ["kept": StateSignature(schema: "A", configuration: "x"),
                                                  "reshaped": StateSignature(schema: "A", configuration: "tumbling(1000 ms)"),
                                                  "retyped": StateSignature(schema: "A"),
                                                  "gone": StateSignature(schema: "A")],
                                          settings: ["output": "a.csv", "window-ms": "1000"])
        let check = CheckpointCompatibility(checkpoint: manifest, stateSteps: ["kept", "reshaped", "retyped", "gone"],
                                            steps: ["kept": StateSignature(schema: "A", configuration: "x"),
                                                    "reshaped": StateSignature(schema: "A", configuration: "tumbling(2000 ms)"),
                                                    "retyped": StateSignature(schema: "B"),
                                                    "added": StateSignature(schema: "C")],
                                            settings: ["output": "b.csv", "window-ms": "1000"])
        #expect(check.changes == [
            .new(step: "added"), .unchanged(step: "kept"),
            .configurationChanged(step: "reshaped", from: "tumbling(1000 ms)", to: "tumbling(2000 ms)"),
            .typeChanged(step: "retyped", from: "A", to: "B"),
            .dropped(step: "gone"),
            .settingChanged(name: "output", from: "a.csv", to: "b.csv"),
        ])
        #expect(check.refusals(allowingNonRestoredState: false).count == 3)
        #expect(check.refusals(allowingNonRestoredState: true).count == 2)
    }
}
