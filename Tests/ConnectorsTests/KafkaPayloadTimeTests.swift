import Operators
import StreamTesting
import Testing
@testable import Connectors

/// Event time from the record's payload on a topic with several partitions: given to the source
/// (`timestamp:` with `watermark:`), each partition keeps its own watermark, so partitions read
/// unevenly judge no record late; given to the stream after the source, the job is warned.
@Suite(.timeLimit(.minutes(1))) struct KafkaPayloadTimeTests {
    @Test func payloadTimeOnTheSourceKeepsAWatermarkPerPartition() async throws {
        let kafka = try EmbeddedKafka(topics: ["clicks": 4])
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "1"])
        // Every partition covers the same 20 s of event time, in order; the partitions are read
        // in runs, so one watermark over the interleaved stream would run ahead of some of them.
        for partition in 0..<4 {
            for index in 0..<500 {
                let value = "{\"time\":\(index * 40),\"user\":\"u\(partition)\"}"
                try producer.send(topic: "clicks", partition: Int32(partition), key: nil, value: Array(value.utf8))
            }
        }
        try producer.flush()

        let job = Job("payload-time")
        let counted = job.source("clicks", .kafkaJSON(["clicks"], as: JSONClick.self, bootstrapServers: kafka.bootstrapServers,
                                                      watermark: .boundedOutOfOrderness(.milliseconds(100)), timestamp: { $0.time },
                                                      untilEnd: true))
            .keyed(by: \.user)
            .window("per-second", .tumbling(.seconds(1)))
            .aggregate(.count())
        let results = TestSink<WindowResult<String, Int>>()
        let late = TestSink<JSONClick>()
        counted.results.sink("counts", results.sink)
        counted.late.sink("late", late.sink)
        #expect(job.warnings.isEmpty)
        try await job.run(on: Runtime(workers: 2))
        #expect(late.values.isEmpty, "\(late.values.count) records judged late")
        #expect(results.values.reduce(0) { $0 + $1.value } == 2_000)
        #expect(results.values.count == 4 * 20)
    }

    @Test func eventTimeAfterAPartitionedSourceIsWarnedAbout() {
        let job = Job("stream-time")
        job.source("clicks", .kafkaJSON(["clicks"], as: JSONClick.self, bootstrapServers: "127.0.0.1:1"))
            .eventTime(\.time, watermark: .boundedOutOfOrderness(.seconds(1)))
            .sink("out", TestSink<JSONClick>().sink)
        #expect(job.warnings.count == 1)
        #expect(job.warnings.first?.contains("gives event time after source 'clicks', which may read several partitions") == true)
        #expect(job.warnings.first?.contains("watermark: with timestamp:") == true)
    }
}
