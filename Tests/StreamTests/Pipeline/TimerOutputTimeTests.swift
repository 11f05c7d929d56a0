import Operators
import StreamTesting
import Testing

/// What a timer emits is on time downstream: it carries the watermark from before the step that
/// made it due (as Flink emits timer output before passing the new watermark on), so a window
/// after it counts it instead of calling it late.
@Suite struct TimerOutputTimeTests {
    /// Emits one record per key when the watermark passes the key's first record plus 10 ms.
    struct EmitLater: KeyedProcessFunction {
        var seen: KeyedState<Int, Int>
        init(restoring state: KeyedState<Int, Int>) { seen = state }
        func snapshot() -> KeyedState<Int, Int> { seen }
        mutating func process(_ record: KeyedRecord<Int, Event>, _ output: inout ProcessOutput<Int, Int>) {
            if seen[record.key] == nil { output.setTimer(.eventTime, for: record.key, at: record.timestamp + 10) }
            seen[record.key, default: 0] += 1
        }
        mutating func onTimer(_ timer: KeyedTimer<Int>, _ output: inout ProcessOutput<Int, Int>) {
            output.emit(seen[timer.key] ?? 0)
        }
    }

    @Test func aWindowAfterATimerCountsWhatTheTimerEmitted() async throws {
        // Key 1 at 0 ms sets a timer at 10 ms; the record at 100 ms moves the watermark to 100 ms and
        // fires it: its output (time 10 ms) must land in window [0, 50 ms), not be judged against 100 ms.
        let events = [Event(timestamp: 0, key: 1, value: 1), Event(timestamp: 5, key: 1, value: 1), Event(timestamp: 100, key: 2, value: 1)]
        let job = Job("timer-output")
        let counted = job.source("events", .records(events, batchSize: 1))
            .eventTime(\.timestamp, watermark: .ascending)
            .keyed(by: \.key)
            .process("later") { EmitLater(restoring: $0) }
            .keyed(by: { _ in 0 })
            .window("per-50ms", .tumbling(.milliseconds(50)))
            .aggregate(.count())
        let results = TestSink<WindowResult<Int, Int>>()
        let late = TestSink<Int>()
        counted.results.sink("results", results.sink)
        counted.late.sink("late", late.sink)
        try await job.run(on: Runtime(workers: 2))
        #expect(late.values.isEmpty, "timer output judged late: \(late.values)")
        #expect(results.values.map(\.window.start) == [0, 100])
    }
}
