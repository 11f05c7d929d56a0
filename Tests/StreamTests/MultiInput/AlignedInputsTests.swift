@testable import Stream
import Testing

/// The union's merging state machine on its own: what may go out, the merged watermark, idle
/// and ended inputs, and which inputs ran too far ahead.
@Suite struct AlignedInputsTests {
    static func batch(_ values: [String], timestamps: [Int64], watermarks: [Int64], end: Int64) -> RecordBatch<String> {
        RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: end)
    }

    @Test func recordsWaitUntilNoInputCanStillSendOneBeforeThem() {
        var aligned = AlignedInputs<String>(idleTimeouts: [nil, nil], now: 0)
        aligned.add(Self.batch(["a1", "a2"], timestamps: [10, 20], watermarks: [.min, 10], end: 20), input: 0, now: 0)
        // a1 has no watermark before it, and input 0 goes first among equals; a2 waits for input 1.
        #expect(aligned.release(now: 0).values == ["a1"])
        aligned.add(Self.batch(["b1"], timestamps: [15], watermarks: [.min], end: 15), input: 1, now: 0)
        // b1 has no watermark before it either; a2's (10) is below input 1's watermark (15).
        let first = aligned.release(now: 0)
        #expect(first.values == ["b1", "a2"])
        #expect(first.watermarks == [.min, 10])
        #expect(first.endWatermark == 15)
        aligned.finish(input: 1)
        let last = aligned.release(now: 0)
        #expect(last.values == [] && last.endWatermark == 20, "input 1 ended: only input 0 holds the watermark")
        aligned.finish(input: 0)
        #expect(aligned.release(now: 0).endWatermark == EventTime.end)
    }

    @Test func tiesGoToTheLowerInputAndTheOrderDoesNotDependOnArrival() {
        let a = Self.batch(["a"], timestamps: [5], watermarks: [7], end: 9)
        let b = Self.batch(["b"], timestamps: [6], watermarks: [7], end: 9)
        var first = AlignedInputs<String>(idleTimeouts: [nil, nil], now: 0)
        first.add(a, input: 0, now: 0)
        first.add(b, input: 1, now: 0)
        var second = AlignedInputs<String>(idleTimeouts: [nil, nil], now: 0)
        second.add(b, input: 1, now: 0)
        let early = second.release(now: 0)
        second.add(a, input: 0, now: 0)
        #expect(early.values == [], "input 1's record waits: input 0 may still send one with the same watermark")
        #expect(first.release(now: 0).values == ["a", "b"])
        #expect(second.release(now: 0).values == ["a", "b"])
    }

    @Test func anIdleInputIsLeftOutUntilItSendsAgain() {
        var aligned = AlignedInputs<String>(idleTimeouts: [nil, 1_000], now: 0)
        aligned.add(Self.batch(["a"], timestamps: [100], watermarks: [50], end: 100), input: 0, now: 500)
        #expect(aligned.release(now: 500).values == [])
        let idle = aligned.release(now: 1_000)
        #expect(idle.values == ["a"] && idle.endWatermark == 100, "input 1 sent nothing for 1 s")
        aligned.add(Self.batch(["b"], timestamps: [50], watermarks: [40], end: 50), input: 1, now: 1_200)
        let back = aligned.release(now: 1_200)
        #expect(back.values == ["b"])
        #expect(back.watermarks == [100], "its record keeps the merged watermark from going back")
        #expect(aligned.isActive(1, now: 1_200))
    }

    @Test func whenEveryInputIsIdleTheWatermarkStaysWhereItIs() {
        var aligned = AlignedInputs<String>(idleTimeouts: [1_000, 1_000], now: 0)
        aligned.add(Self.batch(["a"], timestamps: [100], watermarks: [.min], end: 100), input: 0, now: 0)
        aligned.add(Self.batch(["b"], timestamps: [200], watermarks: [.min], end: 200), input: 1, now: 0)
        #expect(aligned.release(now: 0).endWatermark == 100)
        #expect(aligned.release(now: 5_000).endWatermark == 100)
    }

    @Test func anInputFarAheadIsNamedForItsSourcesToWait() {
        var aligned = AlignedInputs<Int>(idleTimeouts: [nil, nil], now: 0)
        let many = RecordBatch(values: Array(0..<30), timestamps: (0..<30).map { Int64($0) + 100 },
                               watermarks: (0..<30).map { Int64($0) + 90 }, endWatermark: 129)
        aligned.add(many, input: 0, now: 0)
        _ = aligned.release(now: 0)
        #expect(aligned.farAhead(bound: 20, now: 0).ahead == [0])
        #expect(aligned.farAhead(bound: 20, now: 0).behind == [1])
        #expect(aligned.farAhead(bound: 50, now: 0).ahead == [])
        aligned.add(RecordBatch(values: [99], timestamps: [200], watermarks: [.min], endWatermark: 200), input: 1, now: 0)
        #expect(aligned.release(now: 0).count == 31)
        #expect(aligned.farAhead(bound: 20, now: 0).ahead == [])
    }

    @Test func aSnapshotRestoresWhatWasBuffered() throws {
        var aligned = AlignedInputs<String>(idleTimeouts: [nil, nil], now: 0)
        aligned.add(Self.batch(["a1", "a2"], timestamps: [10, 20], watermarks: [5, 10], end: 20), input: 0, now: 0)
        aligned.add(Self.batch(["b"], timestamps: [3], watermarks: [.min], end: 3), input: 1, now: 0)
        #expect(aligned.release(now: 0).values == ["b"])
        let codec = RecordCodec<String>.codable
        let snapshot = try aligned.snapshot { try codec.encode($0, "u") }
        var restored = try AlignedInputs<String>(idleTimeouts: [nil, nil], now: 0, restoring: snapshot) { try codec.decode($0, "u") }
        #expect(restored.inputs[0].buffered == 2)
        for input in 0..<2 {
            aligned.finish(input: input)
            restored.finish(input: input)
        }
        #expect(restored.release(now: 0).values == ["a1", "a2"])
        #expect(aligned.release(now: 0).values == ["a1", "a2"])
    }
}
