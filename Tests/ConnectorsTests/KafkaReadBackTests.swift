import Foundation
import Testing
@testable import Connectors

/// A restored Kafka sink reads back what it wrote after its checkpoint to the partitions' true
/// end, not to the end a broker reports (which can be stale), and checkpoints an end no lower
/// than what it saw delivered.
@Suite(.timeLimit(.minutes(1))) struct KafkaReadBackTests {
    static func filled() throws -> (EmbeddedKafka, ends: [Int32: Int64]) {
        let kafka = try EmbeddedKafka(topics: ["out": 3])
        let producer = try RDKafkaProducer(properties: ["bootstrap.servers": kafka.bootstrapServers, "linger.ms": "1"])
        // Partition 2 gets nothing: an empty partition is read to its end as well.
        for index in 0..<100 { try producer.produce(topic: "out", partition: Int32(index % 2), key: nil, value: Array("\(index)".utf8)) }
        try producer.flush()
        #expect(producer.reports.deliveredEnds(of: "out") == [0: 50, 1: 50])
        return (kafka, [0: 50, 1: 50, 2: 0])
    }

    @Test func aStaleReportedEndDoesNotCutTheReadShort() throws {
        let (kafka, _) = try Self.filled()
        var read: [Int32: [Int64]] = [:]
        // Ends as a lagging broker might report them: behind what the partitions hold.
        try KafkaReadBack(topic: "out", properties: ["bootstrap.servers": kafka.bootstrapServers, "fetch.wait.max.ms": "10"])
            .read(from: [0: 10, 1: 0, 2: 0], knownEnds: [0: 12, 1: 0, 2: 0]) { read[$0.partition, default: []].append($0.offset) }
        #expect(read[0] == Array(10..<50))
        #expect(read[1] == Array(0..<50))
        #expect(read[2] == nil)
    }

    @Test func itReadsAtLeastToTheEndsKnownToHoldRecords() throws {
        let (kafka, ends) = try Self.filled()
        var count = 0
        try KafkaReadBack(topic: "out", properties: ["bootstrap.servers": kafka.bootstrapServers, "fetch.wait.max.ms": "10"])
            .read(from: [0: 0, 1: 0, 2: 0], knownEnds: ends) { _ in count += 1 }
        #expect(count == 100)
    }
}
