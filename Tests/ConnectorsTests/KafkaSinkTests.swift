import Foundation
import Operators
import StreamTesting
import Testing
@testable import Connectors

/// `KafkaSink` against the embedded broker: a job that fails after its last checkpoint, and is
/// restored, leaves every record in the topic exactly once (the broker's transactions are not
/// relied on: the mock cluster does not apply them).
@Suite(.timeLimit(.minutes(1))) struct KafkaSinkTests {
    static func job(_ kafka: EmbeddedKafka, failAt: Int?, checkpointAt: Int?, control: RunControl, soleWriter: Bool = false) -> Job {
        let job = Job("kafka-write")
        job.source("numbers", .records(Array(0..<2_000), batchSize: 50))
            .map { number -> Int in
                if number == checkpointAt { control.requestCheckpoint() }
                if number == failAt { throw InjectedFailure() }
                return number
            }
            .sink("out", .kafka("out", bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "1"], soleWriter: soleWriter,
                                key: { Array("k\($0 % 10)".utf8) }, value: { Array(String($0).utf8) }))
        return job
    }

    /// Everything in the topic, as numbers.
    static func topic(_ kafka: EmbeddedKafka) throws -> [Int] {
        try kafka.records(in: "out").map { Int($0.text)! }
    }

    /// A broker and a checkpoint directory after a run that checkpointed after 500 and failed at 1,234.
    static func failedAfterACheckpoint(soleWriter: Bool = false) async throws -> (EmbeddedKafka, String) {
        let kafka = try EmbeddedKafka(topics: ["out": 3])
        let root = NSTemporaryDirectory() + "kafka-sink-\(UUID().uuidString.prefix(8))"
        let control = RunControl()
        await #expect(throws: StreamError.self) {
            try await Self.job(kafka, failAt: 1_234, checkpointAt: 500, control: control, soleWriter: soleWriter)
                .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600), control: control))
        }
        return (kafka, root)
    }

    @Test(arguments: [false, true]) func aRunRestoredAfterAFailureWritesEveryRecordOnce(soleWriter: Bool) async throws {
        let (kafka, root) = try await Self.failedAfterACheckpoint(soleWriter: soleWriter)
        let afterFailure = try Self.topic(kafka)
        // Records after the checkpoint (taken after the batch holding 500) reached the topic…
        #expect(afterFailure.count > 550)
        try await Self.job(kafka, failAt: nil, checkpointAt: nil, control: RunControl(), soleWriter: soleWriter)
            .run(on: Runtime(workers: 3), options: RunOptions(checkpointDirectory: root, restore: .latest))
        // …and are not written again.
        let numbers = try Self.topic(kafka)
        #expect(numbers.count == 2_000)
        #expect(Set(numbers) == Set(0..<2_000))
    }

    /// A restored run that checkpoints before it has produced again what its failed predecessor
    /// wrote after the checkpoint must carry those records in its checkpoint: the run restored
    /// from it finds nothing new after the checkpoint's end offsets, yet must not write them again.
    @Test func aCheckpointTakenBeforeTheRestoredRunCaughtUpStillSkipsWhatWasWritten() async throws {
        let (kafka, root) = try await Self.failedAfterACheckpoint()
        let second = RunControl()
        await #expect(throws: StreamError.self) {
            try await Self.job(kafka, failAt: 700, checkpointAt: 610, control: second)
                .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600), restore: .latest,
                                                                  control: second))
        }
        try await Self.job(kafka, failAt: nil, checkpointAt: nil, control: RunControl())
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, restore: .latest))
        let numbers = try Self.topic(kafka)
        #expect(numbers.count == 2_000)
        #expect(Set(numbers) == Set(0..<2_000))
    }

    @Test func anotherWritersIdenticalRecordIsNotTakenForTheSinksOwn() async throws {
        let (kafka, root) = try await Self.failedAfterACheckpoint()
        let written = Set(try Self.topic(kafka))
        // Another writer puts a copy of a record the failed run never wrote into the topic.
        let missing = (0..<2_000).first { !written.contains($0) }!
        let other = try KafkaProducer(bootstrapServers: kafka.bootstrapServers)
        try other.send(topic: "out", key: Array("k\(missing % 10)".utf8), value: Array(String(missing).utf8))
        try other.flush()
        try await Self.job(kafka, failAt: nil, checkpointAt: nil, control: RunControl())
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, restore: .latest))
        // The sink's header tells its records from the other writer's: its own copy is written too.
        let numbers = try Self.topic(kafka)
        #expect(numbers.count == 2_001)
        #expect(numbers.filter { $0 == missing }.count == 2)
    }

    @Test func twoInstancesOfAJobWritingOneTopicCarryDifferentIdentities() async throws {
        let kafka = try EmbeddedKafka(topics: ["out": 1])
        let roots = (0..<2).map { _ in NSTemporaryDirectory() + "kafka-sink-\(UUID().uuidString.prefix(8))" }
        for root in roots {
            let job = Job("kafka-write")
            job.source("numbers", .records([1, 2], batchSize: 2))
                .sink("out", .kafka("out", bootstrapServers: kafka.bootstrapServers, key: { _ in nil }, value: { Array(String($0).utf8) }))
            try await job.run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root))
        }
        let records = try kafka.records(in: "out")
        let identities = Set(records.flatMap(\.headers).filter { $0.name == "stream-sink" }.map { String(decoding: $0.value, as: UTF8.self) })
        #expect(records.count == 4)
        #expect(identities.count == 2)
        #expect(identities.allSatisfy { $0.hasPrefix("kafka-write/out@") })
    }
}
