import Operators
import StreamTesting
import Testing

/// The forms of `.process` a user writes compile: a one-expression closure, and closures of
/// several statements with the function's type named (`as:`) or annotated.
@Suite struct ProcessInferenceTests {
    struct Stepper: KeyedProcessFunction {
        var counts: KeyedState<String, Int>
        let step: Int
        init(step: Int, restoring state: KeyedState<String, Int>) {
            counts = state
            self.step = step
        }
        func snapshot() -> KeyedState<String, Int> { counts }
        mutating func process(_ record: KeyedRecord<String, String>, _ output: inout ProcessOutput<String, Int>) {
            counts[record.key, default: 0] += step
            output.emit(counts[record.key]!, for: record)
        }
    }

    @Test func everyCommonFormOfProcessCompilesAndRuns() async throws {
        let job = Job("inference")
        let keyed = job.source("words", .records(["a", "b", "a"])).processingTime().keyed(by: { $0 })
        let one = TestSink<Int>()
        let named = TestSink<Int>()
        let annotated = TestSink<Int>()
        keyed.process("one") { Stepper(step: 1, restoring: $0) }.sink("one-out", one.sink)
        keyed.process("named", as: Stepper.self) { state in
            let step = 2
            return Stepper(step: step, restoring: state)
        }.sink("named-out", named.sink)
        keyed.process("annotated") { state -> Stepper in
            let step = 3
            return Stepper(step: step, restoring: state)
        }.sink("annotated-out", annotated.sink)
        try await job.run(on: Runtime(workers: 1))
        #expect(one.values == [1, 1, 2])
        #expect(named.values == [2, 2, 4])
        #expect(annotated.values == [3, 3, 6])
    }
}
