import Foundation
import Operators
import StreamTesting
import Testing
@testable import Connectors

/// Records deleted by the topic's retention before the source read them: an error naming the
/// partition and the offsets, or — by explicit policy — skipped, logged and counted. librdkafka
/// alone would jump to the oldest record left and say nothing.
@Suite(.timeLimit(.minutes(2))) struct KafkaLostRecordsTests {
    /// A checkpoint at offset 1 of `events[0]`, then enough written after it that the embedded
    /// broker (about 5 MiB a partition) has deleted the records the job had still to read.
    static func overtaken() async throws -> (kafka: EmbeddedKafka, root: String) {
        let kafka = try EmbeddedKafka(topics: ["events": 1])
        try KafkaBaseline.produce(count: 3, value: Array("first".utf8), topic: "events", partitions: 1, bootstrapServers: kafka.bootstrapServers)
        let root = NSTemporaryDirectory() + "kafka-lost-\(UUID().uuidString.prefix(8))"
        let control = RunControl()
        let sink = TestSink<Int64>()
        _ = try await job(kafka, sink: sink, policy: .fail, untilEnd: false, stop: control)
            .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, control: control))
        let checkpointed = try CheckpointStore(root: root, job: "lost").latest()?.manifest.sources["events"]
        #expect(checkpointed == "events[0]=1")

        try KafkaBaseline.produce(count: 8_000, value: [UInt8](repeating: 7, count: 1_024), topic: "events", partitions: 1,
                                  bootstrapServers: kafka.bootstrapServers)
        let held = try #require(try KafkaBaseline.offsets(topic: "events", bootstrapServers: kafka.bootstrapServers)[0])
        try #require(held.start > 3, "the broker kept every record: nothing was overtaken")
        return (kafka, root)
    }

    /// Reads `events` one record a batch into `sink` (the offsets); with `stop`, stops after the
    /// record at `stopAt` (the first, by default). With `group`, reads as that consumer group's member.
    static func job(_ kafka: EmbeddedKafka, sink: TestSink<Int64>, policy: KafkaLostRecords, untilEnd: Bool, group: String? = nil,
                    stop: RunControl? = nil, stopAt: Int64? = nil) -> Job {
        let job = Job("lost")
        job.source("events", .kafka(["events"], bootstrapServers: kafka.bootstrapServers, group: group,
                                    properties: ["fetch.wait.max.ms": "10", "session.timeout.ms": "6000"],
                                    untilEnd: untilEnd, maxBatch: 1, onLostRecords: policy))
            .map { record -> Int64 in
                if stopAt == nil || record.offset == stopAt { stop?.stop() }
                return record.offset
            }
            .sink("out", sink.sink)
        return job
    }

    @Test func aRestoreWhoseRecordsAreGoneStopsNamingThePartitionAndOffsets() async throws {
        let (kafka, root) = try await Self.overtaken()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let oldest = try #require(try KafkaBaseline.offsets(topic: "events", bootstrapServers: kafka.bootstrapServers)[0]).start
        let sink = TestSink<Int64>()
        let error = await #expect(throws: StreamError.self) {
            try await Self.job(kafka, sink: sink, policy: .fail, untilEnd: true)
                .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, restore: .latest))
        }
        let message = "\(error.map { "\($0)" } ?? "")"
        #expect(message.contains("events[0]"), "\(message)")
        #expect(message.contains("offsets 1..<\(oldest)"), "\(message)")
        #expect(message.contains("retention"), "\(message)")
        #expect(sink.values.isEmpty, "nothing after the gap may be read as if the gap were not there")
    }

    @Test func skipAndCountGoesOnFromTheOldestRecordAndCountsTheGap() async throws {
        let (kafka, root) = try await Self.overtaken()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = try #require(try KafkaBaseline.offsets(topic: "events", bootstrapServers: kafka.bootstrapServers)[0])
        let sink = TestSink<Int64>()
        let summary = try await Self.job(kafka, sink: sink, policy: .skipAndCount, untilEnd: true)
            .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, restore: .latest))
        #expect(summary.recordsLost == Int(held.start - 1))
        #expect(sink.values == Array(held.start..<held.end))
    }

    /// A group job's task without a checkpoint starts from the group's committed offset, here
    /// one that retention has since deleted.
    @Test func skipAndCountWorksForAConsumerGroupsTaskToo() async throws {
        let (kafka, root) = try await Self.overtaken()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = try #require(try KafkaBaseline.offsets(topic: "events", bootstrapServers: kafka.bootstrapServers)[0])
        let committer = try RDKafkaConsumer(properties: ["bootstrap.servers": kafka.bootstrapServers, "group.id": "lost-readers"])
        try committer.commit([TopicPartition(topic: "events", partition: 0): 1])
        committer.close()
        let sink = TestSink<Int64>()
        let control = RunControl()
        let summary = try await Self.job(kafka, sink: sink, policy: .skipAndCount, untilEnd: false, group: "lost-readers",
                                         stop: control, stopAt: held.end - 1)
            .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, restore: .latest, control: control))
        #expect(summary.recordsLost == Int(held.start - 1))
        #expect(sink.values == Array(held.start..<held.end))
    }

    @Test func librdkafkasOwnResetIsRefused() async throws {
        let kafka = try EmbeddedKafka(topics: ["events": 1])
        let job = Job("reset")
        job.source("events", .kafka(["events"], bootstrapServers: kafka.bootstrapServers, properties: ["auto.offset.reset": "earliest"], untilEnd: true))
            .sink("out", TestSink<KafkaRecord>().sink)
        let error = await #expect(throws: StreamError.self) { try await job.run(on: Runtime(workers: 1)) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("onLostRecords"))
    }
}
