import Operators
import StreamTesting
import Synchronization
import Testing

/// A source that moves a test clock before each batch: batches arrive at chosen processing times.
final class TimedSource<Value: Sendable>: SourceReader {
    let clock: TestClock
    let script: Mutex<[(advance: Duration, values: [Value])]>

    init(clock: TestClock, script: [(advance: Duration, values: [Value])]) {
        self.clock = clock
        self.script = Mutex(script)
    }

    func next() async throws -> RecordBatch<Value>? {
        guard let step = script.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return nil }
        clock.advance(by: step.advance)
        return RecordBatch(values: step.values)
    }
}

@Suite struct ProcessingTimeTests {
    @Test func processingTimeWindowsFireAsTheClockPassesThemEvenWithoutRecords() async throws {
        let clock = TestClock()
        let reader = TimedSource<String>(clock: clock, script: [
            (.milliseconds(500), ["a", "b"]),     // arrive at 0.5 s
            (.milliseconds(700), ["c"]),          // 1.2 s: window [0, 1 s) fires first
            (.milliseconds(1_300), []),           // 2.5 s: a heartbeat, no records
        ])
        let job = Job("processing-time")
        let out = TestSink<WindowResult<String, Int>>()
        job.source("requests", Source("scripted") { _ in reader })
            .processingTime()
            .keyed(by: { _ in "all" })
            .window("per-second", .tumbling(.seconds(1)))
            .aggregate(.count())
            .results.sink("counts", out.sink)
        try await job.run(on: Runtime(workers: 2), clock: clock)
        #expect(out.values == [
            WindowResult(window: Window(start: 0, end: 1_000), key: "all", value: 2),
            WindowResult(window: Window(start: 1_000, end: 2_000), key: "all", value: 1),
        ])
    }

    @Test func wallClockIsUsedWithTheContinuousClock() async throws {
        let job = Job("wall")
        let out = TestSink<Int64>()
        job.source("one", .records(["x"])).processingTime()
            .transform("time") { batch in RecordBatch(values: batch.timestamps) }
            .sink("out", out.sink)
        try await job.run(on: Runtime(workers: 1))
        let stamped = try #require(out.values.first)
        #expect(stamped > 1_700_000_000_000, "milliseconds since the epoch, from the real-time clock")
    }
}
