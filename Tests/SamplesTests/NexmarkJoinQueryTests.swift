import Connectors
import Foundation
import Samples
import Stream
import Testing

/// Nexmark q3–q11 against naive computations of their definitions (QUERIES.md) over the same
/// generated events, as sorted multisets of lines: at the default rate (everything in one
/// window) and at 10,000 events/s (windows and sessions turn over while the input runs).
@Suite(.serialized) struct NexmarkJoinQueryTests {
    static func events(_ count: Int, rate: Int) -> NexmarkEvents {
        NexmarkEvents(count, generator: NexmarkGenerator(rate: Double(rate)))
    }

    @Test(arguments: [(30_000, 10_000_000), (100_000, 10_000)])
    func queriesGiveWhatTheirDefinitionsGive(events count: Int, rate: Int) async throws {
        let events = Self.events(count, rate: rate)
        let cases: [(Pipeline, [String])] = [
            (Pipelines.nexmarkQ3, NexmarkReference.lines("q3", events)), (Pipelines.nexmarkQ4, NexmarkReference.lines("q4", events)),
            (Pipelines.nexmarkQ5, NexmarkReference.lines("q5", events)), (Pipelines.nexmarkQ7, NexmarkReference.lines("q7", events)),
            (Pipelines.nexmarkQ8, NexmarkReference.lines("q8", events)), (Pipelines.nexmarkQ11, NexmarkReference.lines("q11", events)),
        ]
        for (pipeline, expected) in cases {
            #expect(!expected.isEmpty, "\(pipeline.name) has rows to compare")
            let actual = try await NexmarkQueryTests.run(pipeline, events: count, rate: rate)
            #expect(actual.count == expected.count, "\(pipeline.name) at \(rate)/s: \(actual.count) rows, expected \(expected.count)")
            #expect(actual == expected, "\(pipeline.name) at \(rate)/s")
        }
    }

    @Test func theOutputDoesNotDependOnBatchSizesOrWorkers() async throws {
        let events = Self.events(40_000, rate: 10_000)
        let cases: [(Pipeline, [String])] = [(Pipelines.nexmarkQ5, NexmarkReference.lines("q5", events)), (Pipelines.nexmarkQ7, NexmarkReference.lines("q7", events)),
                                             (Pipelines.nexmarkQ4, NexmarkReference.lines("q4", events)), (Pipelines.nexmarkQ11, NexmarkReference.lines("q11", events))]
        for (pipeline, expected) in cases {
            for (batch, workers) in [(97, 1), (1_000, 3)] {
                let actual = try await NexmarkQueryTests.run(pipeline, events: 40_000, rate: 10_000, batch: batch, workers: workers)
                #expect(actual == expected, "\(pipeline.name), batches of \(batch), \(workers) workers")
            }
        }
    }
}
