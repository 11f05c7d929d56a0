import Connectors
import Foundation
import Operators
import StreamTesting
import Testing

/// One window result as a CSV row.
struct CountRow: CSVEncodable, Sendable {
    var end: Int64
    var key: String
    var count: Int
    var sum: Int64

    func encode(csv line: inout CSVLine) {
        line.append(end)
        line.append(key)
        line.append(Int64(count))
        line.append(sum)
    }
}

struct InjectedFailure: Error {}

/// Restores after failures in the middle of a run, with another parallelism each time, and
/// checks the committed output equals, byte for byte, that of a run never interrupted.
@Suite(.timeLimit(.minutes(2))) struct ExactlyOnceFileTests {
    /// Events per 50 ms of event time, counted and summed per key, written as CSV, late events
    /// to another file; the job fails on the first event at or after `failAt` when given.
    static func job(input: String, output: String, failAt: Int64? = nil, stopAt: Int64? = nil, control: RunControl? = nil) -> Job {
        let job = Job("exactly-once")
        let counted = job.source("events", .csvFile(input, as: W1Event.self, chunkBytes: 16 << 10))
            .map { event -> W1Event in
                if let failAt, event.timestamp >= failAt { throw InjectedFailure() }
                if let stopAt, event.timestamp >= stopAt { control?.stop() }
                return event
            }
            .eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.milliseconds(30)))
            .keyed(by: \.key)
            .window("per-50ms", .tumbling(.milliseconds(50)))
            .aggregate(.count(), .sum(\.value))
        counted.results
            .map { CountRow(end: $0.window.end, key: $0.key, count: $0.value.0, sum: $0.value.1) }
            .sink("counts", .csvFile(output))
        counted.late.sink("late", .csvFile(output + ".late"))
        return job
    }

    /// Ten events a millisecond, up to 50 ms out of order, over 500 keys.
    static func reference(_ directory: String, events: Int) async throws -> (input: String, expected: Data) {
        let input = "\(directory)/events.csv"
        var text = ""
        for index in 0..<events {
            let event = W1Event(timestamp: W1Generator.base + Int64(index / 10) - Int64(index * 7919 % 50),
                                key: W1Generator.keyName(index * 31 % 500), value: Int64(index % 1000))
            text += "\(event.timestamp),\(event.key),\(event.value)\n"
        }
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        try await job(input: input, output: "\(directory)/reference.csv").run(on: Runtime(workers: 2))
        return (input, try outputs("\(directory)/reference.csv"))
    }

    /// The counts and the late records, one after the other.
    static func outputs(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path)) + Data(contentsOf: URL(fileURLWithPath: path + ".late"))
    }

    @Test func failuresAndRescalesLeaveOutputEqualToAnUninterruptedRun() async throws {
        let directory = try scratchDirectory()
        let (input, expected) = try await Self.reference(directory, events: 80_000)
        let output = "\(directory)/out/counts.csv"
        let base = W1Generator.base
        var options = RunOptions(checkpointDirectory: "\(directory)/state", checkpointInterval: .zero, restore: .latest)
        for (failAt, workers) in [(base + 1_500, 2), (base + 3_900, 3), (base + 6_000, 1)] {
            await #expect(throws: (any Error).self) {
                try await Self.job(input: input, output: output, failAt: failAt).run(on: Runtime(workers: workers), options: options)
            }
            let store = CheckpointStore(root: "\(directory)/state", job: "exactly-once")
            #expect(try !store.ids().isEmpty)
        }
        options.restore = .latest
        let summary = try await Self.job(input: input, output: output).run(on: Runtime(workers: 2), options: options)
        #expect(summary.checkpoints > 0)
        let actual = try Self.outputs(output)
        #expect(actual.count == expected.count)
        #expect(actual == expected)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/out").filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func gracefulStopTakesAFinalCheckpointAndResumes() async throws {
        let directory = try scratchDirectory()
        let (input, expected) = try await Self.reference(directory, events: 40_000)
        let output = "\(directory)/counts.csv"
        let control = RunControl()
        let stopped = try await Self.job(input: input, output: output, stopAt: W1Generator.base + 2_000, control: control)
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: "\(directory)/state", checkpointInterval: .seconds(3600), control: control))
        // One at the start, one at the stop.
        #expect(stopped.checkpoints == 2)
        let partial = try Data(contentsOf: URL(fileURLWithPath: output))
        let complete = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/reference.csv"))
        #expect(partial.count > 0 && partial.count < complete.count)
        #expect(complete.starts(with: partial))

        let resumed = try await Self.job(input: input, output: output)
            .run(on: Runtime(workers: 3), options: RunOptions(checkpointDirectory: "\(directory)/state", restore: .latest))
        #expect(resumed.recordsRead + stopped.recordsRead == 40_000)
        #expect(try Self.outputs(output) == expected)
    }

    @Test func replayWritesFromACheckpointIntoFreshOutput() async throws {
        let directory = try scratchDirectory()
        let (input, expected) = try await Self.reference(directory, events: 40_000)
        let output = "\(directory)/counts.csv"
        let control = RunControl()
        _ = try await Self.job(input: input, output: output, stopAt: W1Generator.base + 2_000, control: control)
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: "\(directory)/state", checkpointInterval: .seconds(3600), control: control))
        let atCheckpoint = try Data(contentsOf: URL(fileURLWithPath: output))
        _ = try await Self.job(input: input, output: output)
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: "\(directory)/state", restore: .latest))

        let replayed = try await Self.job(input: input, output: output)
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: "\(directory)/state", restore: .checkpoint(2),
                                                             replayOutputDirectory: "\(directory)/replay"))
        #expect(replayed.checkpoints == 0)
        let tail = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/replay/counts.csv"))
        #expect(atCheckpoint + tail == (try Data(contentsOf: URL(fileURLWithPath: "\(directory)/reference.csv"))))
        #expect(try Self.outputs(output) == expected)

        // Rewinding the job itself to an older checkpoint cuts its output back, then redoes the rest.
        let rewound = try await Self.job(input: input, output: output)
            .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: "\(directory)/state", restore: .checkpoint(2)))
        #expect(rewound.checkpoints == 1)
        #expect(try Self.outputs(output) == expected)
    }
}
