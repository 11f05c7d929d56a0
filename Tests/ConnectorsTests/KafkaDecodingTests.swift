import Foundation
import Operators
import StreamTesting
import Testing
@testable import Connectors

struct JSONClick: Codable, Sendable, Equatable {
    var user: String
    var time: Int64
}

/// Decoding Kafka values, bad records, and a broker that goes down and comes back.
@Suite(.timeLimit(.minutes(3))) struct KafkaDecodingTests {
    static func filled() throws -> EmbeddedKafka {
        let kafka = try EmbeddedKafka(topics: ["clicks": 2])
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "1"])
        for index in 0..<100 {
            let value = index == 41 ? "{not json" : index == 77 ? "{\"user\":5}" : "{\"time\":\(index),\"user\":\"u\(index)\"}"
            try producer.send(topic: "clicks", partition: Int32(index % 2), key: nil, value: Array(value.utf8))
        }
        try producer.flush()
        return kafka
    }

    @Test func aBadRecordStopsTheJobNamingTopicPartitionAndOffset() async throws {
        let kafka = try Self.filled()
        let job = Job("decode")
        job.source("clicks", .kafkaJSON(["clicks"], as: JSONClick.self, bootstrapServers: kafka.bootstrapServers, untilEnd: true))
            .sink("out", TestSink<JSONClick>().sink)
        let error = await #expect(throws: StreamError.self) { try await job.run(on: Runtime(workers: 1)) }
        #expect(error?.step == "clicks")
        #expect(error?.code == .badRecord)
        // Record 41 went to partition 1 as its 21st record; record 77 to partition 1 at offset 38.
        #expect(error?.position == "clicks[1]@20" || error?.position == "clicks[1]@38")
        #expect(error?.record == "{not json" || error?.record == "{\"user\":5}")
    }

    @Test func badRecordsGoToTheDeadLetterFileWithTheirBytes() async throws {
        let kafka = try Self.filled()
        let path = NSTemporaryDirectory() + "kafka-dead-\(UUID().uuidString.prefix(8)).jsonl"
        let sink = TestSink<JSONClick>()
        let job = Job("decode")
        job.source("clicks", .kafkaJSON(["clicks"], as: JSONClick.self, bootstrapServers: kafka.bootstrapServers, untilEnd: true,
                                        onBadRecord: .deadLetter(path: path)))
            .sink("out", sink.sink)
        let summary = try await job.run(on: Runtime(workers: 1))
        #expect(summary.deadLetters == 2)
        #expect(sink.values.count == 98)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let entries = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String] }
        #expect(Set(entries.map { $0["position"]! }) == ["clicks[1]@20", "clicks[1]@38"])
        #expect(Set(entries.compactMap { Data(base64Encoded: $0["record_base64"]!).map { String(decoding: $0, as: UTF8.self) } })
            == ["{not json", "{\"user\":5}"])
        #expect(entries.allSatisfy { $0["step"] == "clicks" && !($0["reason"] ?? "").isEmpty })
    }

    /// On a machine busy with the other suites, librdkafka has once taken over 30 s to deliver
    /// what it held through the outage: the flush gets minutes, on a thread of its own.
    @Test func aBrokerDownAndBackLosesNothing() async throws {
        let kafka = try EmbeddedKafka(topics: ["events": 2])
        // Reconnects within half a second of the broker coming back, not librdkafka's 10 s.
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers,
                                         properties: ["linger.ms": "1", "reconnect.backoff.max.ms": "500"])
        for index in 0..<1_000 { try producer.send(topic: "events", partition: Int32(index % 2), key: nil, value: Array(String(index).utf8)) }
        try producer.flush()
        let sink = TestSink<String>()
        let job = Job("outage")
        job.source("events", .kafkaText(["events"], bootstrapServers: kafka.bootstrapServers, properties: ["fetch.wait.max.ms": "10", "reconnect.backoff.max.ms": "500"]))
            .sink("out", sink.sink)
        let running = Task { try await job.run(on: Runtime(workers: 1)) }
        await sink.waitForValues(count: 1)
        try kafka.setBroker(1, up: false)
        // The outage: the job keeps running (librdkafka reconnects on its own) while the producer writes on.
        let late = Task.detached {
            for index in 1_000..<1_500 { try producer.send(topic: "events", partition: Int32(index % 2), key: nil, value: Array(String(index).utf8)) }
        }
        try await Task.sleep(for: .milliseconds(500))
        try kafka.setBroker(1, up: true)
        try await late.value
        try await OffPool.run { try producer.flush(timeout: .seconds(120)) }
        await sink.waitForValues(count: 1_500)
        running.cancel()
        _ = try? await running.value
        #expect(Set(sink.values) == Set((0..<1_500).map(String.init)))
    }

    @Test func requestErrorsFromTheBrokerLoseNothingAndDoubleNothing() async throws {
        let kafka = try EmbeddedKafka(topics: ["events": 2, "copied": 2])
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "1"])
        // The producer's first requests fail (it retries them) …
        kafka.failNext(.produce, count: 4, with: .notEnoughReplicas)
        for index in 0..<1_000 { try producer.send(topic: "events", partition: Int32(index % 2), key: nil, value: Array(String(index).utf8)) }
        try producer.flush()
        // … then the job's fetches and its sink's produce requests fail for a while.
        kafka.failNext(.fetch, count: 6, with: .notLeaderForPartition)
        kafka.failNext(.produce, count: 6, with: .requestTimedOut)
        let job = Job("request-errors")
        job.source("events", .kafkaText(["events"], bootstrapServers: kafka.bootstrapServers, properties: ["fetch.wait.max.ms": "10"], untilEnd: true))
            .sink("out", .kafka("copied", bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "1"],
                                key: { _ in nil }, value: { Array($0.utf8) }))
        let summary = try await job.run(on: Runtime(workers: 1))
        #expect(summary.recordsRead == 1_000)
        #expect(summary.recordsWritten == 1_000)
        let copied = try kafka.records(in: "copied").map(\.text)
        // The idempotent producer keeps retried batches from being written twice. (If a record is
        // missing, the offsets say whether the topic lacks it or the reading back missed it.)
        let held = try KafkaBaseline.heldRecords(topic: "copied", bootstrapServers: kafka.bootstrapServers)
        #expect(copied.count == 1_000, "the topic holds \(held) records; missing: \(Set((0..<1_000).map(String.init)).subtracting(copied).sorted())")
        #expect(Set(copied) == Set((0..<1_000).map(String.init)))
    }
}
