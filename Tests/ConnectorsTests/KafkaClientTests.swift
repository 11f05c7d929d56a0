import Foundation
import Testing
@testable import Connectors

/// The librdkafka wrapper against the embedded broker (librdkafka's mock cluster, real Kafka
/// protocol over 127.0.0.1): produce, then consume from chosen offsets.
@Suite(.timeLimit(.minutes(1))) struct KafkaClientTests {
    @Test func recordsRoundTripWithKeysHeadersAndTimestamps() throws {
        let kafka = try EmbeddedKafka(topics: ["events": 2])
        #expect(kafka.bootstrapServers.hasPrefix("127.0.0.1:"))
        let producer = try RDKafkaProducer(properties: ["bootstrap.servers": kafka.bootstrapServers, "linger.ms": "1"])
        for index in 0..<100 {
            try producer.produce(topic: "events", partition: Int32(index % 2), key: Array("k\(index)".utf8),
                                 value: index == 7 ? nil : Array("value \(index)".utf8),
                                 headers: [.init(name: "source", value: Array("test".utf8)), .init(name: "index", value: [UInt8(index)])],
                                 timestamp: 1_700_000_000_000 + Int64(index))
        }
        try producer.flush()
        #expect(producer.reports.delivered == 100)

        let consumer = try RDKafkaConsumer(properties: ["bootstrap.servers": kafka.bootstrapServers, "fetch.wait.max.ms": "10"])
        try consumer.assign([("events", 0, RDKafkaConsumer.beginning), ("events", 1, 10)])
        var records: [KafkaRecord] = []
        for _ in 0..<200 where records.count < 90 {
            let (batch, errors) = consumer.poll(max: 64, timeout: .milliseconds(100))
            #expect(errors.isEmpty)
            records += batch
        }
        // Partition 0 from the beginning (50 records), partition 1 from offset 10 (40 records).
        #expect(records.count == 90)
        let first = try #require(records.first { $0.partition == 0 && $0.offset == 3 })
        #expect(first.key == Array("k6".utf8))
        #expect(first.value == Array("value 6".utf8))
        #expect(first.headers == [.init(name: "source", value: Array("test".utf8)), .init(name: "index", value: [6])])
        #expect(first.timestamp == 1_700_000_000_006)
        #expect(records.first { $0.key == Array("k7".utf8) }?.value == nil)
        #expect(records.filter { $0.partition == 1 }.map(\.offset).min() == 10)
        #expect(first.position == "events[0]@3")
    }

    @Test func badConfigurationNamesTheProperty() throws {
        let error = #expect(throws: KafkaError.self) { try RDKafkaProducer(properties: ["no.such.property": "1"]) }
        #expect(error?.description.contains("no.such.property") == true)
    }
}
