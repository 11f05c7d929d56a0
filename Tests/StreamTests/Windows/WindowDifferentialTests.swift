import PropertyBased
import Testing
@testable import Stream

/// For each window kind: random streams with disorder, late records and empty stretches, cut
/// into random batches and spread over random key-group ranges, must give exactly what the
/// naive one-record-at-a-time model gives — the same rows in the same order, the same late records.
@Suite struct WindowDifferentialTests {
    /// Timestamps drift upwards with jitter, sometimes jump (empty stretches), sometimes go far back (late).
    static let events = Gen.int(in: 0...99).array(of: 0...120).map { draws -> [Event] in
        var clock: Int64 = 1_000
        return draws.enumerated().map { index, draw in
            clock += Int64(draw % 7)
            if draw == 98 { clock += 60 }
            let jitter = Int64(draw % 23)
            let timestamp = draw == 97 ? clock - 40 : clock - jitter
            return Event(timestamp: timestamp, key: draw % 5 + (draw % 3) * 7, value: index % 10 + 1)
        }
    }
    static let batching = Gen.int(in: 1...17).array(of: 1...5)

    static func check(_ spec: WindowSpec, delay: Int64, lateness: Int64, _ events: [Event], _ batches: [Int], ranges: Int) {
        let expected = NaiveModel.run(events, delay: delay, spec: spec, lateness: lateness)
        let actual = EngineModel.run(events, delay: delay, spec: spec, lateness: lateness, batchSizes: batches, ranges: ranges)
        #expect(actual == expected, "spec \(spec), delay \(delay), lateness \(lateness), batches \(batches), ranges \(ranges), events \(events)")
    }

    @Test func tumblingWindowsMatchTheNaiveModel() async {
        await propertyCheck(count: 300, input: Self.events, Self.batching, Gen.int(in: 1...3), Gen.int(in: 0...12)) { events, batches, ranges, delay in
            Self.check(.tumbling(.milliseconds(10)), delay: Int64(delay), lateness: 0, events, batches, ranges: ranges)
        }
    }

    @Test func tumblingWindowsWithAllowedLatenessMatchTheNaiveModel() async {
        await propertyCheck(count: 300, input: Self.events, Self.batching, Gen.int(in: 1...3), Gen.int(in: 0...25)) { events, batches, ranges, lateness in
            Self.check(.tumbling(.milliseconds(10)), delay: 3, lateness: Int64(lateness), events, batches, ranges: ranges)
        }
    }

    @Test func slidingWindowsMatchTheNaiveModel() async {
        await propertyCheck(count: 300, input: Self.events, Self.batching, Gen.int(in: 1...3), Gen.int(in: 0...15)) { events, batches, ranges, lateness in
            Self.check(.sliding(.milliseconds(12), every: .milliseconds(4)), delay: 5, lateness: Int64(lateness), events, batches, ranges: ranges)
        }
    }

    @Test func sessionWindowsMatchTheNaiveModel() async {
        await propertyCheck(count: 300, input: Self.events, Self.batching, Gen.int(in: 1...3), Gen.int(in: 0...15)) { events, batches, ranges, lateness in
            Self.check(.session(gap: .milliseconds(6)), delay: 4, lateness: Int64(lateness), events, batches, ranges: ranges)
        }
    }

    @Test func aRecordTyingTheMaximumAtItsWindowsLastMillisecondIsLateWithNoDisorderAllowed() {
        // Window [0, 10): the first record's own timestamp 9 makes the watermark 9 = end − 1.
        let events = [Event(timestamp: 9, key: 1, value: 1), Event(timestamp: 9, key: 1, value: 1)]
        let run = EngineModel.run(events, delay: 0, spec: .tumbling(.milliseconds(10)), lateness: 0, batchSizes: [2], ranges: 1)
        #expect(run.late == [1])
        #expect(run.rows == [.init(window: Window(start: 0, end: 10), key: 1, count: 1, sum: 1)])
    }

    @Test func everyOpenWindowFiresAtTheEndOfInput() {
        let events = (0..<50).map { Event(timestamp: Int64($0 * 3), key: $0 % 4, value: 1) }
        let run = EngineModel.run(events, delay: 1_000, spec: .tumbling(.milliseconds(10)), lateness: 0, batchSizes: [7], ranges: 2)
        #expect(run.rows.reduce(0) { $0 + $1.count } == 50, "nothing left behind")
        #expect(run.late.isEmpty)
        #expect(run.rows.map(\.window) == run.rows.map(\.window).sorted(), "results leave in window order")
    }
}

/// Snapshots taken mid-stream (through JSON) and restored onto another number of key-group
/// ranges (2 → 3 → 1) continue exactly: the whole output equals the naive model's.
@Suite struct WindowRescaleTests {
    @Test func restoringOnAnotherParallelismContinuesExactly() async {
        let specs: [WindowSpec] = [.tumbling(.milliseconds(10)), .sliding(.milliseconds(12), every: .milliseconds(4)), .session(gap: .milliseconds(6))]
        await propertyCheck(count: 200, input: WindowDifferentialTests.events, Gen.int(in: 0...2), Gen.int(in: 0...60)) { events, kind, split in
            let spec = specs[kind]
            let expected = NaiveModel.run(events, delay: 4, spec: spec, lateness: 5)
            let actual = EngineModel.run(events, delay: 4, spec: spec, lateness: 5, batchSizes: [7], ranges: 2,
                                         rescales: [(split, 3), (split + 30, 1)])
            #expect(actual == expected, "spec \(spec), split \(split), events \(events)")
        }
    }
}
