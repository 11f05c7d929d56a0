import Operators
import StreamTesting
import Testing

/// Stateful functions driven by hand: records, watermarks, processing time on a test clock,
/// timers, and a snapshot → restore round trip.
@Suite struct ProcessHarnessTests {
    @Test func dedupeKeepsTheFirstAndForgetsItOnceTheWatermarkPasses() {
        var harness = ProcessHarness { Dedupe<String, String>(within: .seconds(10), restoring: $0) }
        harness.push("first", key: "ada", at: 1_000)
        harness.push("repeat", key: "ada", at: 5_000)
        #expect(harness.takeOutput() == ["first"])
        #expect(harness.timers.isEmpty, "dedupe sets no timers")
        // Until the watermark passes 1,000 + 10 s, a record within 10 s of the kept one is a repeat …
        harness.advanceWatermark(to: 10_999)
        harness.push("late repeat", key: "ada", at: 10_500)
        #expect(harness.takeOutput().isEmpty, "not yet forgotten")
        // … from then on the key is forgotten, as a clean-up timer at 11,000 would have made it.
        harness.advanceWatermark(to: 11_000)
        harness.push("after", key: "ada", at: 10_600)
        #expect(harness.takeOutput() == ["after"])
        // Forgotten keys are swept once the watermark has moved 10 s on.
        harness.advanceWatermark(to: 40_000)
        harness.push("other", key: "bob", at: 40_000)
        #expect(harness.snapshot().state["ada"] == nil)
        #expect(harness.snapshot().state["bob"] == 40_000)
    }

    /// Emits a key's count 10 s of event time after its first record.
    struct CountForTenSeconds: KeyedProcessFunction {
        var counts: KeyedState<String, Int>
        init(restoring state: KeyedState<String, Int>) { counts = state }
        func snapshot() -> KeyedState<String, Int> { counts }
        mutating func process(_ record: KeyedRecord<String, Int>, _ output: inout ProcessOutput<String, String>) {
            if counts[record.key] == nil { output.setTimer(.eventTime, for: record.key, at: record.timestamp + 10_000) }
            counts[record.key, default: 0] += 1
        }
        mutating func onTimer(_ timer: KeyedTimer<String>, _ output: inout ProcessOutput<String, String>) {
            output.emit("\(timer.key): \(counts[timer.key] ?? 0)")
            counts[timer.key] = nil
        }
    }

    @Test func aSnapshotRestoresStateAndTimers() {
        var harness = ProcessHarness { CountForTenSeconds(restoring: $0) }
        harness.push(1, key: "ada", at: 1_000)
        var restored = ProcessHarness(restoring: harness.snapshot()) { CountForTenSeconds(restoring: $0) }
        #expect(restored.timers.map(\.time) == [11_000])
        restored.push(1, key: "ada", at: 2_000)
        #expect(restored.takeOutput().isEmpty)
        restored.finish()
        #expect(restored.takeOutput() == ["ada: 2"], "the restored state counted on; the end of input fires the timer")
        #expect(restored.snapshot().state.count == 0)
    }

    /// Emits a key's count when its processing-time timer, set a second after its first record, fires.
    struct CountAfterASecond: KeyedProcessFunction {
        var counts: KeyedState<String, Int>
        init(restoring state: KeyedState<String, Int>) { counts = state }
        func snapshot() -> KeyedState<String, Int> { counts }
        mutating func process(_ record: KeyedRecord<String, Int>, _ output: inout ProcessOutput<String, String>) {
            if counts[record.key] == nil { output.setTimer(.processingTime, for: record.key, at: output.now + 1_000) }
            counts[record.key, default: 0] += 1
        }
        mutating func onTimer(_ timer: KeyedTimer<String>, _ output: inout ProcessOutput<String, String>) {
            output.emit("\(timer.key): \(counts[timer.key] ?? 0)")
            counts[timer.key] = nil
        }
    }

    @Test func processingTimeTimersFireAsTheTestClockMoves() {
        var harness = ProcessHarness { CountAfterASecond(restoring: $0) }
        harness.push(1, key: "a", at: 0)
        harness.advanceProcessingTime(by: .milliseconds(400))
        harness.push(1, key: "a", at: 0)
        harness.advanceProcessingTime(by: .milliseconds(599))
        #expect(harness.takeOutput().isEmpty)
        harness.advanceProcessingTime(by: .milliseconds(1))
        #expect(harness.takeOutput() == ["a: 2"])
    }

    /// Pairs each order with its payment, whichever comes first.
    struct Matcher: KeyedCoProcessFunction {
        var waiting: KeyedState<String, String>
        init(restoring state: KeyedState<String, String>) { waiting = state }
        func snapshot() -> KeyedState<String, String> { waiting }
        mutating func processFirst(_ order: KeyedRecord<String, String>, _ output: inout ProcessOutput<String, String>) {
            if let payment = waiting[order.key] { output.emit("\(order.value)+\(payment)", for: order); waiting[order.key] = nil }
            else { waiting[order.key] = order.value }
        }
        mutating func processSecond(_ payment: KeyedRecord<String, String>, _ output: inout ProcessOutput<String, String>) {
            if let order = waiting[payment.key] { output.emit("\(order)+\(payment.value)", for: payment); waiting[payment.key] = nil }
            else { waiting[payment.key] = payment.value }
        }
    }

    @Test func coProcessHarnessTakesRecordsIntoEitherInput() {
        var harness = CoProcessHarness { Matcher(restoring: $0) }
        harness.pushFirst("order-1", key: "o1", at: 1_000)
        harness.pushSecond("card", key: "o2", at: 1_500)
        #expect(harness.takeOutput().isEmpty)
        var restored = CoProcessHarness(restoring: harness.snapshot()) { Matcher(restoring: $0) }
        restored.pushSecond("transfer", key: "o1", at: 2_000)
        restored.pushFirst("order-2", key: "o2", at: 2_500)
        #expect(restored.takeOutput() == ["order-1+transfer", "order-2+card"])
    }
}
