import Foundation
import Operators
import PropertyBased
import StreamTesting
import Testing

/// A union of two inputs with event time, windowed: whatever the batch sizes, the order in which
/// the inputs' batches arrive, the number of workers, and stops restored onto another number,
/// the results are those of the naive model over the merged stream the union defines (records
/// by the watermark before them in their own input, then input, then read order).
@Suite(.timeLimit(.minutes(3))) struct UnionTests {
    /// A record of input `input` at `index` in it.
    struct Tagged: Sendable, Codable, Hashable {
        var input: Int
        var index: Int
        var event: Event
    }

    static let specs: [WindowSpec] = [.tumbling(.milliseconds(10)), .sliding(.milliseconds(12), every: .milliseconds(4)),
                                      .session(gap: .milliseconds(6))]

    /// The naive model: each input's watermarks on its own, the merged order, windows one record at a time.
    static func model(_ inputs: [[Event]], delays: [Int64], spec: WindowSpec) -> (rows: [WindowRun.Row], late: [Tagged]) {
        let merged = JoinTests.merged(inputs, delays: delays)
        let run = NaiveModel.run(merged.map(\.record.event), watermarks: merged.map(\.watermark), spec: spec, lateness: 5)
        return (run.rows, run.late.map { merged[$0].record })
    }

    /// The job: two sources taking turns on `schedule`, event time on each, union, windows.
    static func job(_ inputs: [[Event]], delays: [Int64], spec: WindowSpec, sizes: [[Int]], turnstile: Turnstile,
                    results: TestSink<WindowResult<Int, (Int, Int)>>, late: TestSink<Tagged>,
                    stopAt: Int? = nil, control: RunControl = RunControl()) -> Job {
        let job = Job("union")
        let streams = inputs.indices.map { input in
            job.source("in-\(input)", .turns(inputs[input].enumerated().map { Tagged(input: input, index: $0.offset, event: $0.element) },
                                            sizes: sizes[input], source: input, turnstile: turnstile))
                .map { record in
                    if record.input == 0 && record.index == stopAt { control.stop() }
                    return record
                }
                .eventTime({ $0.event.timestamp }, watermark: .boundedOutOfOrderness(.milliseconds(delays[input])))
        }
        let windowed = streams[0].union(streams[1], id: "both")
            .keyed(by: { $0.event.key })
            .window("w", spec, allowedLateness: .milliseconds(5))
            .aggregate(.count(), .sum(\.event.value))
        windowed.results.sink("results", results.sink)
        windowed.late.sink("late", late.sink)
        return job
    }

    static func rows(_ sink: TestSink<WindowResult<Int, (Int, Int)>>) -> [WindowRun.Row] {
        sink.values.map { .init(window: $0.window, key: $0.key, count: $0.value.0, sum: $0.value.1) }
    }

    @Test func unionGivesTheModelsResultsWhateverTheInterleavingBatchesAndWorkers() async throws {
        await propertyCheck(count: 50, input: WindowDifferentialTests.events, WindowDifferentialTests.events,
                            Gen.int(in: 0...1_000_000), Gen.int(in: 0...2)) { first, second, seed, kind in
            let spec = Self.specs[kind]
            let delays: [Int64] = [4, Int64(seed % 9)]
            let expected = Self.model([first, second], delays: delays, spec: spec)
            let sizes = [[1 + seed % 7, 1 + seed % 13], [1 + seed % 5, 1 + seed % 11]]
            let turns = [batched(first, sizes: sizes[0]).count, batched(second, sizes: sizes[1]).count]
            let results = TestSink<WindowResult<Int, (Int, Int)>>()
            let late = TestSink<Tagged>()
            let job = Self.job([first, second], delays: delays, spec: spec, sizes: sizes,
                               turnstile: Turnstile(schedule: Turnstile.schedule(turns: turns, seed: seed)), results: results, late: late)
            try await job.run(on: Runtime(workers: 1 + seed % 3))
            #expect(Self.rows(results) == expected.rows, "spec \(spec), seed \(seed)")
            #expect(late.values == expected.late, "spec \(spec), seed \(seed)")
        }
    }

    @Test func aStoppedUnionRestoredOntoAnotherParallelismGivesTheModelsResults() async throws {
        await propertyCheck(count: 30, input: WindowDifferentialTests.events, WindowDifferentialTests.events,
                            Gen.int(in: 0...1_000_000), Gen.int(in: 0...2)) { first, second, seed, kind in
            let spec = Self.specs[kind]
            let delays: [Int64] = [4, 2]
            let expected = Self.model([first, second], delays: delays, spec: spec)
            let sizes = [[1 + seed % 7], [1 + seed % 5, 3]]
            let results = TestSink<WindowResult<Int, (Int, Int)>>()
            let late = TestSink<Tagged>()
            let root = NSTemporaryDirectory() + "union-tests/\(UUID().uuidString.prefix(8))"
            for run in 0..<2 {
                let control = RunControl()
                let job = Self.job([first, second], delays: delays, spec: spec, sizes: sizes, turnstile: Turnstile(schedule: nil),
                                   results: results, late: late, stopAt: run == 0 && !first.isEmpty ? seed % first.count : nil,
                                   control: control)
                try await job.run(on: Runtime(workers: 1 + (seed + run) % 3),
                                  options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600),
                                                      restore: run == 0 ? nil : .latest, control: control))
            }
            #expect(Self.rows(results) == expected.rows, "spec \(spec), seed \(seed)")
            #expect(late.values == expected.late, "spec \(spec), seed \(seed)")
        }
    }
}

/// A new directory name under the system's temporary directory, for one test's checkpoints.
func temporaryDirectory(_ prefix: String) -> String {
    NSTemporaryDirectory() + "\(prefix)/\(UUID().uuidString.prefix(8))"
}
