import Operators
@testable import Stream
import StreamTesting
import Synchronization
import Testing

/// Where a union's inputs stand in time: an idle input, an input that ended, an input far behind.
@Suite(.timeLimit(.minutes(1))) struct UnionWatermarkTests {
    struct Reading: Sendable, Codable, Hashable {
        var time: Int64
        var input: Int
    }

    /// A source on a test clock: each scripted batch after moving the clock on by its advance,
    /// then (with `until`) heartbeats moving it on a second each until the clock reaches `until`.
    final class ClockSource: SourceReader {
        let clock: TestClock
        let script: Mutex<[(advance: Duration, values: [Reading])]>
        let until: Duration?
        let movesClock: Bool

        init(clock: TestClock, script: [(advance: Duration, values: [Reading])], until: Duration?, movesClock: Bool = true) {
            self.clock = clock
            self.script = Mutex(script)
            self.until = until
            self.movesClock = movesClock
        }

        func next() async throws -> RecordBatch<Reading>? {
            if let step = script.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                clock.advance(by: step.advance)
                return RecordBatch(values: step.values)
            }
            guard let until, clock.now.offset < until else { return nil }
            await Task.yield()
            if movesClock { clock.advance(by: .seconds(1)) }
            return RecordBatch(values: [])
        }
    }

    /// Collects results with the test clock's time at which the source batch that brought each
    /// one out was read. Not the clock's time at the write: sources read ahead of the steps, so
    /// on a busy machine that is a few beats later, by chance.
    final class ClockedSink: Sendable {
        let written = Mutex<[(at: Duration, result: WindowResult<Int, Int>)]>([])

        var sink: Sink<WindowResult<Int, Int>> {
            Sink("clocked") { context in Writer(owner: self, run: context.run) }
        }

        final class Writer: SinkWriter {
            let owner: ClockedSink
            let run: RunContext
            init(owner: ClockedSink, run: RunContext) {
                self.owner = owner
                self.run = run
            }
            func write(_ batch: RecordBatch<WindowResult<Int, Int>>) async throws {
                let readAt = Duration.milliseconds(run.arrivalTime)
                owner.written.withLock { $0 += batch.values.map { (readAt, $0) } }
            }
            func close() async throws {}
        }
    }

    /// Input 0 reads at 1 s and 2.5 s (clock 1 s and 2 s), then beats until the clock reaches
    /// 30 s; input 1 as given. Windows of 1 s count per input.
    static func run(second: @escaping @Sendable (TestClock) -> any SourceReader<Reading>, idle: Duration?) async throws
    -> [(at: Duration, result: WindowResult<Int, Int>)] {
        let clock = TestClock()
        let out = ClockedSink()
        let job = Job("union-time")
        let first = job.source("first", Source("scripted") { _ in
            ClockSource(clock: clock, script: [(.seconds(1), [Reading(time: 1_000, input: 0)]),
                                               (.seconds(1), [Reading(time: 2_500, input: 0)])], until: .seconds(30))
        }).eventTime(\.time, watermark: .ascending)
        var strategy = WatermarkStrategy.ascending
        if let idle { strategy = strategy.idle(after: idle) }
        let other = job.source("second", Source("scripted") { _ in second(clock) }).eventTime(\.time, watermark: strategy)
        first.union(other)
            .keyed(by: \.input)
            .window("per-second", .tumbling(.seconds(1)))
            .aggregate(.count())
            .results.sink("counts", out.sink)
        try await job.run(on: Runtime(workers: 2), clock: clock)
        return out.written.withLock { $0 }
    }

    @Test func anIdleInputNoLongerHoldsTheOthersWindowsBack() async throws {
        // The second input only beats (without moving the clock) until the first's clock reaches 20 s.
        let silent: @Sendable (TestClock) -> any SourceReader<Reading> = { clock in
            ClockSource(clock: clock, script: [], until: .seconds(20), movesClock: false)
        }
        let idle = try await Self.run(second: silent, idle: .seconds(5))
        let firstWindow = try #require(idle.first)
        #expect(firstWindow.result == WindowResult(window: Window(start: 1_000, end: 2_000), key: 0, value: 1))
        #expect(firstWindow.at >= .seconds(5) && firstWindow.at < .seconds(20), "fired once the second input was idle 5 s, at \(firstWindow.at)")

        let waiting = try await Self.run(second: silent, idle: nil)
        let late = try #require(waiting.first)
        #expect(late.result == firstWindow.result)
        #expect(late.at >= .seconds(20), "without idleness the window waits for the silent input to end, at \(late.at)")
    }

    @Test func anInputThatEndedNoLongerHoldsTheOthersBack() async throws {
        let ended = try await Self.run(second: { _ in RecordsReaderOf([]) }, idle: nil)
        let first = try #require(ended.first)
        #expect(first.result == WindowResult(window: Window(start: 1_000, end: 2_000), key: 0, value: 1))
        #expect(first.at < .seconds(5), "fired by the first input's watermark alone, at \(first.at)")
        #expect(ended.map(\.result.value) == [1, 1])
    }

    @Test func anInputFarBehindIsWaitedForAndItsRecordsAreNotLate() async throws {
        // Input 0 delivers everything, up to 9 s, before input 1 sends records from 1.5 s on:
        // judged by its own watermark, none of input 1's records is late.
        let turnstile = Turnstile(schedule: [0, 0, 0, 1, 1])
        let job = Job("far-behind")
        let ahead = job.source("ahead", .turns([Reading(time: 1_000, input: 0), Reading(time: 5_000, input: 0), Reading(time: 9_000, input: 0)],
                                               sizes: [1], source: 0, turnstile: turnstile))
            .eventTime(\.time, watermark: .ascending)
        let behind = job.source("behind", .turns([Reading(time: 1_500, input: 1), Reading(time: 2_500, input: 1)],
                                                 sizes: [1], source: 1, turnstile: turnstile))
            .eventTime(\.time, watermark: .ascending)
        let counts = ahead.union(behind)
            .keyed(by: { _ in 0 })
            .window("per-second", .tumbling(.seconds(1)))
            .aggregate(.count())
        let results = TestSink<WindowResult<Int, Int>>()
        let late = TestSink<Reading>()
        counts.results.sink("counts", results.sink)
        counts.late.sink("late", late.sink)
        try await job.run(on: Runtime(workers: 2))
        #expect(late.values.isEmpty)
        #expect(results.values.map(\.window.start) == [1_000, 2_000, 5_000, 9_000])
        #expect(results.values.map(\.value) == [2, 1, 1, 1])
    }
}

/// A reader of a fixed list, at once.
final class RecordsReaderOf<Value: Sendable>: SourceReader {
    let values: Mutex<[Value]?>
    init(_ values: [Value]) { self.values = Mutex(values) }
    func next() async throws -> RecordBatch<Value>? {
        guard let batch = values.withLock({ values in defer { values = nil }; return values }) else { return nil }
        return batch.isEmpty ? nil : RecordBatch(values: batch)
    }
}
