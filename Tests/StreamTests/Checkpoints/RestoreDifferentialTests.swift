import Foundation
import Operators
import PropertyBased
import StreamTesting
import Testing

/// A job stopped at a random point (a graceful stop takes a final checkpoint), then restored
/// with another parallelism, must give exactly what one uninterrupted run gives: the naive
/// model's results and late records, none lost, none doubled. Covers the event-time step's
/// watermark and every window kind's state.
@Suite(.timeLimit(.minutes(2))) struct RestoreDifferentialTests {
    static func checkpointRoot() -> String {
        NSTemporaryDirectory() + "restore-tests/\(UUID().uuidString.prefix(8))"
    }

    /// Runs the job twice: stopped after the batch holding event `stopAt`, then restored.
    static func stoppedAndRestored(_ events: [Event], spec: WindowSpec, batchSize: Int, stopAt: Int,
                                   workers: (Int, Int)) async throws -> WindowRun {
        let results = TestSink<WindowResult<Int, (Int, Int)>>()
        let late = TestSink<PipelineTests.IndexedEvent>()
        let root = checkpointRoot()
        for (run, workerCount) in [workers.0, workers.1].enumerated() {
            let control = RunControl()
            let job = Job("restore")
            let indexed = events.enumerated().map { PipelineTests.IndexedEvent(position: $0.offset, event: $0.element) }
            let windowed = job.source("events", .records(indexed, batchSize: batchSize))
                .map { record in
                    if run == 0 && record.position == stopAt { control.stop() }
                    return record
                }
                .eventTime({ $0.event.timestamp }, watermark: .boundedOutOfOrderness(.milliseconds(4)))
                .keyed(by: { $0.event.key })
                .window("w", spec, allowedLateness: .milliseconds(5))
                .aggregate(.count(), .sum(\.event.value))
            windowed.results.sink("results", results.sink)
            windowed.late.sink("late", late.sink)
            let options = RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600),
                                     restore: run == 0 ? nil : .latest, control: control)
            try await job.run(on: Runtime(workers: workerCount), options: options)
        }
        return WindowRun(
            rows: results.values.map { .init(window: $0.window, key: $0.key, count: $0.value.0, sum: $0.value.1) },
            late: late.values.map(\.position))
    }

    @Test func stopAndRestoreAnywhereGivesTheNaiveModelsResults() async throws {
        let specs: [WindowSpec] = [.tumbling(.milliseconds(10)), .sliding(.milliseconds(12), every: .milliseconds(4)), .session(gap: .milliseconds(6))]
        await propertyCheck(count: 60, input: WindowDifferentialTests.events, Gen.int(in: 1...20), Gen.int(in: 0...119),
                            Gen.int(in: 0...2)) { events, batchSize, stopAt, kind in
            let spec = specs[kind]
            let expected = NaiveModel.run(events, delay: 4, spec: spec, lateness: 5)
            let actual = try await Self.stoppedAndRestored(events, spec: spec, batchSize: batchSize, stopAt: stopAt,
                                                           workers: (1 + stopAt % 3, 1 + batchSize % 3))
            #expect(actual == expected, "spec \(spec), batch \(batchSize), stop at \(stopAt), events \(events)")
        }
    }

    @Test func aLateRecordRightAfterTheRestorePointIsStillLate() async throws {
        // The watermark (from t=100) must survive the restore: the record at t=5 that follows
        // the stop is late, as it would be without one.
        let events = [Event(timestamp: 1, key: 1, value: 1), Event(timestamp: 100, key: 2, value: 1), Event(timestamp: 5, key: 1, value: 1)]
        let run = try await Self.stoppedAndRestored(events, spec: .tumbling(.milliseconds(10)), batchSize: 1, stopAt: 1, workers: (2, 1))
        #expect(run.late == [2])
        #expect(run == NaiveModel.run(events, delay: 4, spec: .tumbling(.milliseconds(10)), lateness: 5))
    }

    @Test func theEventTimeStepsWatermarkSurvivesARestore() async throws {
        let watermarks = TestSink<Int64>()
        let root = Self.checkpointRoot()
        for run in 0..<2 {
            let control = RunControl()
            let job = Job("watermark")
            job.source("events", .records([Int64(1), 100, 5], batchSize: 1))
                .map { timestamp in
                    if run == 0 && timestamp == 100 { control.stop() }
                    return timestamp
                }
                .eventTime({ $0 }, watermark: .boundedOutOfOrderness(.milliseconds(4)))
                .transform("watermarks") { batch in RecordBatch(values: batch.watermarks) }
                .sink("watermarks", watermarks.sink)
            try await job.run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, restore: run == 0 ? nil : .latest, control: control))
        }
        #expect(watermarks.values == [EventTime.beginning, -3, 96])
    }
}
