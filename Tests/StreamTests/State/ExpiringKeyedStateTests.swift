import Operators
import PropertyBased
import StreamTesting
import Testing

/// Keyed state with a time-to-live since the last write: invisible once expired, removed when
/// read, left out of snapshots; in a job, the same through stops and restores.
@Suite struct ExpiringKeyedStateTests {
    @Test func aValueExpiresItsTimeToLiveAfterItWasLastWritten() {
        var state = ExpiringKeyedState<String, Int>(timeToLive: .eventTime(.milliseconds(100)))
        state.set("a", to: 1, now: 1_000)
        #expect(state.get("a", now: 1_099) == 1)
        state.set("a", to: 2, now: 1_050)
        #expect(state.get("a", now: 1_149) == 2, "a write starts the time again")
        #expect(state.get("a", now: 1_150) == nil)
        #expect(state.count == 0, "removed when read expired")
    }

    @Test func snapshotsLeaveOutWhatExpiredAsOfTheLatestTimeSeen() {
        var state = ExpiringKeyedState<String, Int>(timeToLive: .processingTime(.seconds(1)))
        state.set("old", to: 1, now: 0)
        state.set("new", to: 2, now: 900)
        #expect(state.snapshot().count == 2)
        _ = state.get("new", now: 1_500)
        #expect(state.snapshot().count == 1)
        var restored = ExpiringKeyedState<String, Int>(timeToLive: .processingTime(.seconds(1)), restoring: state.snapshot())
        #expect(restored.get("new", now: 1_800) == 2)
        #expect(restored.get("old", now: 1_800) == nil)
    }

    /// Emits each key's previous value if it is still alive, then writes the record's value.
    struct Previous: KeyedProcessFunction {
        var last: ExpiringKeyedState<Int, Int>
        init(ttl: Int64, restoring state: KeyedState<Int, Written<Int>>) {
            last = ExpiringKeyedState(timeToLive: .eventTime(milliseconds: ttl), restoring: state)
        }
        func snapshot() -> KeyedState<Int, Written<Int>> { last.snapshot() }
        mutating func process(_ record: KeyedRecord<Int, UnionTests.Tagged>, _ output: inout ProcessOutput<Int, String>) {
            let previous = last.get(record.key, at: record, output)
            output.emit("k\(record.key) \(previous.map(String.init) ?? "-")", for: record)
            last.set(record.key, to: record.value.event.value, at: record, output)
        }
    }

    @Test func inAJobExpiredStateIsNeverSeenThroughStopsAndRestores() async throws {
        await propertyCheck(count: 30, input: WindowDifferentialTests.events, Gen.int(in: 0...1_000_000)) { events, seed in
            let ttl = Int64(3 + seed % 15)
            var last: [Int: (value: Int, at: Int64)] = [:]
            var expected: [String] = []
            let watermarks = NaiveModel.watermarksBefore(events, delay: 4)
            for (index, event) in events.enumerated() {
                let now = watermarks[index]
                let alive = last[event.key].flatMap { now == .min || now - $0.at < ttl ? $0.value : nil }
                expected.append("k\(event.key) \(alive.map(String.init) ?? "-")")
                last[event.key] = (event.value, event.timestamp)
            }
            let actual = try await JoinTests.run([events, []], delays: [4, 0], cut: .from(seed: seed, first: events)) { a, b in
                (a.union(b).keyed(by: \.event.key).process("previous") { Previous(ttl: ttl, restoring: $0) }, nil)
            }
            #expect(actual.results == expected, "seed \(seed), ttl \(ttl)")
        }
    }
}
