import Foundation
import Operators
import StreamTesting
import Testing
@testable import Connectors

/// `KafkaSource` against the embedded broker: every record once, in partition order, and a
/// restore resumes from the checkpointed offsets — not the group's.
@Suite(.timeLimit(.minutes(1))) struct KafkaSourceTests {
    static func filled(partitions: Int, records: Int) throws -> EmbeddedKafka {
        let kafka = try EmbeddedKafka(topics: ["events": partitions])
        let producer = try RDKafkaProducer(properties: ["bootstrap.servers": kafka.bootstrapServers, "linger.ms": "5"])
        for index in 0..<records {
            try producer.produce(topic: "events", partition: Int32(index % partitions), key: Array("k\(index % 7)".utf8),
                                 value: Array(String(index).utf8), timestamp: 1_700_000_000_000 + Int64(index))
        }
        try producer.flush()
        return kafka
    }

    static func job(_ kafka: EmbeddedKafka, sink: TestSink<String>, stopAt: Int? = nil, control: RunControl? = nil) -> Job {
        let job = Job("kafka-read")
        job.source("events", .kafka(["events"], bootstrapServers: kafka.bootstrapServers,
                                    properties: ["fetch.wait.max.ms": "10"], untilEnd: true, maxBatch: 100))
            .map { record -> String in
                let value = String(decoding: record.value ?? [], as: UTF8.self)
                if let stopAt, Int(value) == stopAt { control?.stop() }
                return "\(record.partition):\(record.offset):\(value)"
            }
            .sink("out", sink.sink)
        return job
    }

    @Test func everyRecordOnceInPartitionOrder() async throws {
        let kafka = try Self.filled(partitions: 3, records: 3_000)
        let sink = TestSink<String>()
        let summary = try await Self.job(kafka, sink: sink).run(on: Runtime(workers: 2))
        #expect(summary.recordsRead == 3_000)
        let rows = sink.values.map { $0.split(separator: ":").map { Int($0)! } }
        #expect(Set(rows.map { $0[2] }) == Set(0..<3_000))
        for partition in 0..<3 {
            let offsets = rows.filter { $0[0] == partition }.map { $0[1] }
            #expect(offsets == Array(0..<1_000))
        }
    }

    @Test func aRestoredJobGoesOnFromTheCheckpointedOffsets() async throws {
        let kafka = try Self.filled(partitions: 3, records: 3_000)
        let root = NSTemporaryDirectory() + "kafka-restore-\(UUID().uuidString.prefix(8))"
        let sink = TestSink<String>()
        let control = RunControl()
        let first = try await Self.job(kafka, sink: sink, stopAt: 1_200, control: control)
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, control: control))
        #expect(first.recordsRead > 0 && first.recordsRead < 3_000)
        let position = try CheckpointStore(root: root, job: "kafka-read").latest()?.manifest.sources["events"]
        #expect(position?.hasPrefix("events[0]=") == true)

        let second = try await Self.job(kafka, sink: sink).run(on: Runtime(workers: 3), options: RunOptions(checkpointDirectory: root, restore: .latest))
        #expect(first.recordsRead + second.recordsRead == 3_000)
        let values = sink.values.map { Int($0.split(separator: ":")[2])! }
        #expect(values.count == 3_000)
        #expect(Set(values) == Set(0..<3_000))
    }

    @Test func positionsAreWrittenAndReadBack() {
        #expect(KafkaOffsets("events[0]=5,events[2]=7")?.description == "events[0]=5,events[2]=7")
        #expect(KafkaOffsets("a[b][1]=3")?.next["a[b]"]?[1] == 3)
        #expect(KafkaOffsets("events[x]=5") == nil)
        #expect(KafkaOffsets("events[1]5") == nil)
    }

    @Test func theWatermarkIsTheMinimumOverPartitionsUnlessOneIsIdle() async throws {
        let kafka = try EmbeddedKafka(topics: ["timed": 2])
        // One record batch per record, and fetches of one batch per partition: partition 1's
        // record comes among the first two whatever order librdkafka fetches the partitions in.
        // (Fetched at once, partition 0's hundred records could all come before it, and then it
        // would never be idle for long enough.)
        let producer = try RDKafkaProducer(properties: ["bootstrap.servers": kafka.bootstrapServers, "linger.ms": "0", "batch.num.messages": "1"])
        try producer.produce(topic: "timed", partition: 1, key: nil, value: [1], timestamp: 1_000)
        for index in 0..<100 { try producer.produce(topic: "timed", partition: 0, key: nil, value: [0], timestamp: 1_000 + Int64(index) * 10) }
        try await OffPool.run { try producer.flush() }

        func lastWatermark(idle: Bool) async throws -> Int64 {
            let clock = TestClock()
            let marks = TestSink<Int64>()
            let strategy = WatermarkStrategy.boundedOutOfOrderness(.milliseconds(10))
            let job = Job("timed")
            job.source("timed", .kafka(["timed"], bootstrapServers: kafka.bootstrapServers, properties: ["fetch.wait.max.ms": "10", "max.partition.fetch.bytes": "1"],
                                       watermark: idle ? strategy.idle(after: .milliseconds(50)) : strategy, untilEnd: true, maxBatch: 10))
                .transform("watermarks") { batch in
                    clock.advance(by: .milliseconds(20))
                    return RecordBatch(values: [batch.endWatermark])
                }
                .sink("out", marks.sink)
            try await job.run(on: Runtime(workers: 1), clock: clock)
            return marks.values.max() ?? .min
        }
        // Partition 1 stopped at 1000: it holds the watermark at 990 …
        #expect(try await lastWatermark(idle: false) == 990)
        // … unless it counts as idle, and partition 0 (up to 1990) moves it on.
        #expect(try await lastWatermark(idle: true) == 1_980)
    }

    @Test func thePositionCarriesTheWatermark() {
        let text = "timed[0]=100,timed[1]=1 @ watermark 1980 timed[0]=1990,timed[1]=1000"
        let position = KafkaPosition(text)
        #expect(position?.watermark == 1_980)
        #expect(position?.maxTimestamps["timed"]?[1] == 1_000)
        #expect(position?.description == text)
        #expect(KafkaPosition("timed[0]=100")?.watermark == nil)
    }
}
