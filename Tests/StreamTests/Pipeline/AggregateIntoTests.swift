import Operators
import StreamTesting
import Testing

/// Several aggregates at once into a struct with named fields, through checkpoints too.
@Suite struct AggregateIntoTests {
    struct Stats: Codable, Sendable, Equatable {
        var count = 0
        var total = 0
        var largest = Int.min
    }

    @Test func severalAggregatesLandInNamedFields() async throws {
        let job = Job("stats")
        let events = (0..<30).map { Event(timestamp: Int64(1_000 + $0 * 3), key: $0 % 3, value: $0) }
        let out = TestSink<WindowResult<Int, Stats>>()
        job.source("events", .records(events, batchSize: 7))
            .eventTime(\.timestamp, watermark: .ascending)
            .keyed(by: \.key)
            .window("per-30ms", .tumbling(.milliseconds(30)))
            .aggregate(into: Stats()) { stats, event in
                stats.count += 1
                stats.total += event.value
                stats.largest = max(stats.largest, event.value)
            } merge: { stats, other in
                stats.count += other.count
                stats.total += other.total
                stats.largest = max(stats.largest, other.largest)
            }
            .results.sink("out", out.sink)
        try await job.run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: temporaryDirectory("aggregate-into")))
        var expected: [String: Stats] = [:]
        for event in events {
            let id = "\(event.timestamp / 30 * 30) k\(event.key)"
            var stats = expected[id] ?? Stats()
            stats.count += 1
            stats.total += event.value
            stats.largest = max(stats.largest, event.value)
            expected[id] = stats
        }
        #expect(Dictionary(uniqueKeysWithValues: out.values.map { ("\($0.window.start) k\($0.key)", $0.value) }) == expected)
        #expect(out.values.first?.value.total != nil, "read by name")
    }
}
