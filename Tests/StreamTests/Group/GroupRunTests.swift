import Foundation
import Operators
@testable import Stream
import StreamTesting
import Synchronization
import Testing

/// Group jobs in memory (``MemoryGroup``): the graph is cut at exchanges, tasks move between
/// instances with their checkpoints, and two instances compute what one process computes.
@Suite(.timeLimit(.minutes(3))) struct GroupRunTests {
    struct Event: Codable, Sendable {
        var key: String
        var time: Int64
    }

    /// One partition's events in time order, a few at a time, with event time and a watermark
    /// just below the largest time read (the position: how many were read).
    final class PartitionReader: SourceReader, @unchecked Sendable {
        let events: [Event]
        let batchSize: Int
        var offset: Int

        init(_ events: [Event], batchSize: Int, restored: String?) {
            self.events = events
            self.batchSize = batchSize
            offset = restored.flatMap { Int($0) } ?? 0
        }

        var position: String? { "\(offset)" }

        func next() async throws -> RecordBatch<Event>? {
            guard offset < events.count else { return nil }
            let batch = Array(events[offset..<min(events.count, offset + batchSize)])
            // As Flink's bounded out-of-orderness of zero: the largest time read, less one, so a
            // record with the same time as the one before is not late.
            var watermark = offset == 0 ? EventTime.beginning : events[offset - 1].time - 1
            var watermarks: [Int64] = []
            for event in batch {
                watermarks.append(watermark)
                watermark = max(watermark, event.time - 1)
            }
            offset += batch.count
            return RecordBatch(values: batch, timestamps: batch.map(\.time), watermarks: watermarks, endWatermark: watermark)
        }
    }

    static func job(_ partitions: [[Event]], group: MemoryGroup, sink: TestSink<String>, batchSize: Int = 7) -> Job {
        let job = Job("counts")
        job.source("events", Source<Event>("events", providesEventTime: true, isPartitioned: true,
                                           group: SourceGroup(name: "counters", topics: ["events"], coordination: group)) { context in
            PartitionReader(partitions[context.run.task!.partition], batchSize: batchSize, restored: context.restoredPosition)
        })
        .keyed(by: \.key)
        .window("per-key", .tumbling(.milliseconds(100)))
        .aggregate(.count())
        .results.map { "\($0.window.start),\($0.key),\($0.value)" }
        .sink("out", sink.sink)
        return job
    }

    @Test func theGraphIsCutAtTheExchangeAndEachSubPipelineHasATaskPerPartition() throws {
        let group = MemoryGroup(topics: ["events": 3])
        let job = Self.job([[], [], []], group: group, sink: TestSink())
        let plan = try #require(try GroupPlan.make(job.graph.withLock { $0 }, job: job.name))
        #expect(plan.subPipelines.count == 2)
        #expect(plan.subPipelines[0].taskTopic == "events" && plan.subPipelines[0].group == "counters")
        #expect(plan.subPipelines[1].taskTopic == "counters.per-key.repartition" && plan.subPipelines[1].group == "counters.per-key")
        #expect(plan.subPipelines.allSatisfy { $0.tasks == 3 })
        let exchange = try #require(job.steps.first { $0.kind == .exchange })
        #expect(plan.subPipelines[0].writes == [exchange.id] && plan.subPipelines[1].reads == [exchange.id])
        #expect(plan.subPipelines[0].steps.contains(0) && !plan.subPipelines[1].steps.contains(0))
        #expect(job.exchangeTopic(ofStep: exchange.id) == "counters.per-key.repartition")
    }

    @Test func aJobIsAGroupJobOnlyWhenEverySourceReadsInOneGroup() throws {
        let group = MemoryGroup(topics: ["events": 2, "other": 3])
        let job = Job("mixed")
        let grouped = job.source("events", Source<Int>("events", group: SourceGroup(name: "g", topics: ["events"], coordination: group)) { _ in
            throw TestFailure("not read")
        })
        let plain = job.source("plain", .records([1, 2, 3]))
        grouped.union(plain).sink("out", TestSink<Int>().sink)
        let error = #expect(throws: StreamError.self) { try GroupPlan.make(job.graph.withLock { $0 }, job: job.name) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("source 'plain' does not read in a consumer group"))

        let unequal = Job("unequal")
        unequal.source("a", Source<Int>("a", group: SourceGroup(name: "g", topics: ["events", "other"], coordination: group)) { _ in
            throw TestFailure("not read")
        }).sink("out", TestSink<Int>().sink)
        let partitions = #expect(throws: StreamError.self) { try GroupPlan.make(unequal.graph.withLock { $0 }, job: unequal.name) }
        #expect("\(partitions.map { "\($0)" } ?? "")".contains("topic 'other' has 3 partitions and 'events' 2"))
    }

    @Test func aStepReadingBothTheSourcesPartitionsAndAnExchangeIsRefused() throws {
        let group = MemoryGroup(topics: ["events": 2])
        let job = Job("crossed")
        let events = job.source("events", Source<Event>("events", providesEventTime: true,
                                                        group: SourceGroup(name: "g", topics: ["events"], coordination: group)) { _ in
            throw TestFailure("not read")
        })
        let byKey = events.keyed(by: \.key).window("w", .tumbling(.seconds(1))).aggregate(.count()).results
            .map { Event(key: $0.key, time: $0.window.start) }
        byKey.union(events).sink("out", TestSink<Event>().sink)
        let error = #expect(throws: StreamError.self) { try GroupPlan.make(job.graph.withLock { $0 }, job: job.name) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("reads records both as the sources' partitions give them and through the exchange"))
    }

    /// Small batches, and batches large enough to be split into several messages a partition.
    @Test(arguments: [(7, 400), (4_000, 4_000)])
    func twoInstancesCountWhatOneProcessCountsWhileTasksMoveBetweenThem(batchSize: Int, eventsPerPartition: Int) async throws {
        var random = SeededRandom(seed: 11)
        let partitions: [[Event]] = (0..<3).map { partition in
            var time = Int64(1_000)
            return (0..<eventsPerPartition).map { _ in
                time += Int64(random.next() % 7)
                return Event(key: "k\(random.next() % 9)", time: time + Int64(partition))
            }
        }
        var expected: [String: Int] = [:]
        for event in partitions.joined() { expected["\(event.time / 100 * 100),\(event.key)", default: 0] += 1 }
        let want = Set(expected.map { "\($0.key),\($0.value)" })

        let group = MemoryGroup(topics: ["events": 3])
        let root = NSTemporaryDirectory() + "group-run-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let sinks = [TestSink<String>(), TestSink<String>()]
        let controls = [RunControl(), RunControl()]
        func start(_ index: Int) -> Task<JobSummary, any Error> {
            let job = Self.job(partitions, group: group, sink: sinks[index], batchSize: batchSize)
            let options = RunOptions(checkpointDirectory: root, checkpointInterval: .milliseconds(20), control: controls[index])
            return Task { try await job.run(on: Runtime(workers: 1), options: options) }
        }
        let first = start(0)
        // The second joins once the first has output: half the tasks move, restored from their checkpoints.
        while sinks[0].values.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        let second = start(1)
        let deadline = Date().addingTimeInterval(120)
        while !Set(sinks.flatMap(\.values)).isSuperset(of: want) && Date() < deadline { try await Task.sleep(for: .milliseconds(2)) }
        controls[0].stop()
        controls[1].stop()
        let summaries = [try await first.value, try await second.value]
        let all = sinks.flatMap(\.values)
        #expect(all.count == want.count, "each window and key once: \(Dictionary(grouping: all) { $0 }.filter { $0.value.count > 1 }.keys.prefix(3))")
        #expect(Set(all) == want)
        #expect(summaries.map(\.lateRecordsUnconnected) == [0, 0])
        if batchSize < 100 {
            // Small batches keep the first instance busy until the second has taken tasks over.
            #expect(summaries[1].restoreDuration != nil, "the second instance restored the tasks it took over")
        }
    }
}

extension GroupRunTests {
    /// A partition with nothing in it, whose source never ends: a heartbeat every 10 ms of the job's clock.
    final class QuietReader: SourceReader, @unchecked Sendable {
        let sleep: @Sendable (Duration) async throws -> Void
        init(sleep: @escaping @Sendable (Duration) async throws -> Void) { self.sleep = sleep }
        var position: String? { "0" }
        func next() async throws -> RecordBatch<Event>? {
            try await sleep(.milliseconds(10))
            return RecordBatch(values: [], timestamps: [], watermarks: [], endWatermark: EventTime.beginning)
        }
    }

    /// One producing task's input is quiet and never ends: once it has been idle past the
    /// source's idle timeout (on the job's clock), it says so, and the readers' windows fire on
    /// the other producers' watermarks instead of waiting for it for ever.
    @Test func anIdleProducerDoesNotHoldTheWindowsBack() async throws {
        let events: [[Event]] = [(0..<50).map { Event(key: "k\($0 % 3)", time: 1_000 + Int64($0) * 10) },
                                 (0..<50).map { Event(key: "k\($0 % 4)", time: 1_005 + Int64($0) * 10) }]
        var expected: [String: Int] = [:]
        for event in events.joined() { expected["\(event.time / 100 * 100),\(event.key)", default: 0] += 1 }
        let want = Set(expected.map { "\($0.key),\($0.value)" })
        let group = MemoryGroup(topics: ["events": 3])
        let sink = TestSink<String>()
        let job = Job("idle")
        job.source("events", Source<Event>("events", providesEventTime: true, idleTimeout: 100, isPartitioned: true,
                                           group: SourceGroup(name: "idlers", topics: ["events"], coordination: group)) { context in
            let partition = context.run.task!.partition
            if partition == 2 { return QuietReader(sleep: context.run.sleep) }
            return PartitionReader(events[partition], batchSize: 7, restored: context.restoredPosition)
        })
        .keyed(by: \.key)
        .window("per-key", .tumbling(.milliseconds(100)))
        .aggregate(.count())
        .results.map { "\($0.window.start),\($0.key),\($0.value)" }
        .sink("out", sink.sink)
        let clock = TestClock()
        let control = RunControl()
        let run = Task { try await job.run(on: Runtime(workers: 1), clock: clock, options: RunOptions(control: control)) }
        // The job's clock moves only here, 10 ms at a time, until every window has fired.
        for _ in 0..<3_000 where !Set(sink.values).isSuperset(of: want) {
            clock.advance(by: .milliseconds(10))
            try await Task.sleep(for: .milliseconds(1))
        }
        control.stop()
        _ = try await run.value
        #expect(Set(sink.values) == want)
        #expect(clock.now.offset >= .milliseconds(100), "the windows fired only once the quiet task was idle")
    }
}

/// The reading end's bookkeeping: each producer's numbering, watermark and idleness.
@Suite struct ExchangePositionTests {
    static func message(from producer: Int, epoch: Int64 = 7, first: Int64, idle: Bool = false, watermark: Int64) -> ExchangeMessage {
        ExchangeMessage(producer: producer, producers: 3, epoch: epoch, firstSequence: first, idle: idle, watermark: watermark, batch: [][...])
    }

    @Test func recordsSentAgainAreTakenOnceAndAGapIsAnError() throws {
        var position = ExchangePosition()
        #expect(try position.take(Self.message(from: 0, first: 0, watermark: 10), count: 5, step: "s", topic: "t") == 0)
        #expect(try position.take(Self.message(from: 0, first: 3, watermark: 10), count: 4, step: "s", topic: "t") == 2)
        #expect(try position.take(Self.message(from: 0, first: 0, watermark: 10), count: 7, step: "s", topic: "t") == 7)
        #expect(throws: StreamError.self) { try position.take(Self.message(from: 0, first: 9, watermark: 10), count: 1, step: "s", topic: "t") }
        // A producer numbering afresh (without its checkpoint) starts over: its records are new.
        #expect(try position.take(Self.message(from: 0, epoch: 8, first: 0, watermark: 10), count: 2, step: "s", topic: "t") == 0)
    }

    @Test func theWatermarkIsTheMinimumOverProducersNotIdle() throws {
        var position = ExchangePosition()
        for producer in 0..<3 {
            let message = Self.message(from: producer, first: 0, watermark: Int64(100 * (producer + 1)))
            _ = try position.take(message, count: 0, step: "s", topic: "t")
            position.heard(message)
        }
        #expect(position.watermark == 100)
        #expect(position.watermark(excluding: 0) == 200)
        // Producer 0 goes idle: it no longer holds the others back.
        position.heard(Self.message(from: 0, first: 0, idle: true, watermark: 100))
        #expect(position.watermark == 200)
        // And when it sends again, the watermark does not go back.
        position.heard(Self.message(from: 0, first: 0, watermark: 150))
        #expect(position.watermark == 200)
        #expect(ExchangePosition(position.description) == position)
    }
}
