import StreamTesting
@testable import Connectors

extension EmbeddedKafka {
    /// The records in `topic`, every partition from its oldest, polled until there are `expected`
    /// (by default the sum of the partitions' end offsets — right for a topic without the control
    /// records transactions add) or for about 10 s: for checking what a finished job wrote.
    func records(in topic: String, expected: Int? = nil) throws -> [KafkaRecord] {
        let consumer = try RDKafkaConsumer(properties: ["bootstrap.servers": bootstrapServers, "fetch.wait.max.ms": "10"])
        let partitions = try consumer.partitions(of: topic)
        let expected = try expected ?? partitions.reduce(0) { $0 + Int(try consumer.endOffset(topic: topic, partition: $1)) }
        try consumer.assign(partitions.map { (topic, $0, RDKafkaConsumer.beginning) })
        var records: [KafkaRecord] = []
        for _ in 0..<200 where records.count < expected {
            records += consumer.poll(max: 1000, timeout: .milliseconds(50)).records
        }
        return records
    }
}

extension KafkaRecord {
    /// The value as UTF-8 text.
    var text: String { String(decoding: value ?? [], as: UTF8.self) }
}
