import StreamTesting
@testable import Connectors

extension EmbeddedKafka {
    /// The records in `topic`, every partition from its oldest, polled until there are `expected`
    /// (by default the sum of the partitions' end offsets — right for a topic without the control
    /// records transactions add) or for about 10 s: for checking what a finished job wrote.
    func records(in topic: String, expected: Int? = nil) throws -> [KafkaRecord] {
        let consumer = try RDKafkaConsumer(properties: ["bootstrap.servers": bootstrapServers, "fetch.wait.max.ms": "10"])
        let partitions = try consumer.partitions(of: topic)
        try consumer.assign(partitions.map { (topic, $0, RDKafkaConsumer.beginning) })
        var records: [KafkaRecord] = []
        var next: [Int32: Int64] = [:]
        // Every partition up to its end offset (asked again until it no longer moves), or `expected` records.
        for _ in 0..<3 {
            let ends = try Dictionary(uniqueKeysWithValues: partitions.map { ($0, try consumer.endOffset(topic: topic, partition: $0)) })
            for _ in 0..<400 {
                if let expected, records.count >= expected { break }
                if expected == nil, ends.allSatisfy({ next[$0.key, default: 0] >= $0.value }) { break }
                for record in consumer.poll(max: 1000, timeout: .milliseconds(50)).records {
                    records.append(record)
                    next[record.partition] = record.offset + 1
                }
            }
            let again = try Dictionary(uniqueKeysWithValues: partitions.map { ($0, try consumer.endOffset(topic: topic, partition: $0)) })
            if again == ends || expected != nil { break }
        }
        return records
    }
}

extension KafkaRecord {
    /// The value as UTF-8 text.
    var text: String { String(decoding: value ?? [], as: UTF8.self) }
}
