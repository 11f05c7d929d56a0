import Connectors
import Foundation
import Operators
public import Stream

/// W3 (see shared BENCHMARKS.md): the embedded broker's 4 partitions filled with 100-byte
/// records (as many as it keeps), read from the beginning again and again until at least
/// `minimumRecords` have passed — (a) by a bare librdkafka loop, (b) through `KafkaSource` into a
/// pipeline that discards them; and producing, (c) by a bare loop, (d) through `KafkaSink`.
public struct KafkaBenchmark: Sendable {
    public var minimumRecords: Int
    public var produceRecords: Int
    public var runs: Int
    public var workers: Int

    public init(minimumRecords: Int = 2_000_000, produceRecords: Int = 500_000, runs: Int = 3, workers: Int = Runtime.defaultWorkerCount) {
        self.minimumRecords = minimumRecords
        self.produceRecords = produceRecords
        self.runs = max(1, runs)
        self.workers = workers
    }

    static let value = [UInt8](repeating: UInt8(ascii: "x"), count: 100)

    public func run(report: (String) -> Void) async throws {
        let kafka = try EmbeddedKafka(topics: ["w3": 4, "w3-out": 4, "w3-bare": 4])
        // The mock keeps about the newest 5 MiB a partition: fill well past that.
        try KafkaBaseline.produce(count: 4 * 60_000, value: Self.value, topic: "w3", partitions: 4, bootstrapServers: kafka.bootstrapServers)
        let held = try KafkaBaseline.heldRecords(topic: "w3", bootstrapServers: kafka.bootstrapServers)
        report("W3: 4 partitions hold \(Figure.format(Double(held))) records of 100 bytes; each pass reads them all")
        let properties = ["fetch.wait.max.ms": "10"]

        var bare: [Double] = []
        var source: [Double] = []
        for _ in 0..<runs {
            var read = 0
            let bareTime = try await seconds {
                while read < minimumRecords {
                    read += try KafkaBaseline.consumeAll(topic: "w3", bootstrapServers: kafka.bootstrapServers, properties: properties)
                }
            }
            bare.append(Double(read) / bareTime)
            var passed = 0
            let runtime = Runtime(workers: workers)
            defer { runtime.shutdown() }
            let sourceTime = try await seconds {
                while passed < minimumRecords {
                    let job = Job("w3")
                    job.source("records", .kafka(["w3"], bootstrapServers: kafka.bootstrapServers, properties: properties, untilEnd: true))
                        .sink("discard", Sink("nowhere") { _ in DiscardWriter<KafkaRecord>() })
                    passed += try await job.run(on: runtime).recordsRead
                }
            }
            source.append(Double(passed) / sourceTime)
        }
        report(Figure(name: "W3 consume: bare librdkafka loop", unit: "records/s", samples: bare).line)
        report(Figure(name: "W3 consume: KafkaSource → pipeline", unit: "records/s", samples: source).line)
        report(Figure(name: "  KafkaSource / bare (per run pair)", unit: "%", samples: zip(source, bare).map { 100 * $0 / $1 }).line)

        // The default sink's records carry a header naming it (its exactly-once identity) and go
        // through the idempotent producer and librdkafka's partitioner: the second bare loop
        // writes exactly such records, so the ratio to it is the engine's own cost. A sole-writer
        // sink's records carry no header, like the first bare loop's.
        var bareProduce: [Double] = []
        var sameRecordsProduce: [Double] = []
        var sinkProduce: [Double] = []
        var soleWriterProduce: [Double] = []
        let count = produceRecords
        for _ in 0..<runs {
            bareProduce.append(Double(count) / (try await seconds {
                try KafkaBaseline.produce(count: count, value: Self.value, topic: "w3-bare", partitions: 4, bootstrapServers: kafka.bootstrapServers)
            }))
            sameRecordsProduce.append(Double(count) / (try await seconds {
                try KafkaBaseline.produce(count: count, value: Self.value, topic: "w3-bare", partitions: nil, bootstrapServers: kafka.bootstrapServers,
                                          headers: [.sinkIdentity(job: "w3-produce", step: "out")], properties: ["enable.idempotence": "true"])
            }))
            sinkProduce.append(try await sinkRate(count: count, soleWriter: false, bootstrapServers: kafka.bootstrapServers))
            soleWriterProduce.append(try await sinkRate(count: count, soleWriter: true, bootstrapServers: kafka.bootstrapServers))
        }
        report(Figure(name: "W3 produce: bare librdkafka loop", unit: "records/s", samples: bareProduce).line)
        report(Figure(name: "W3 produce: bare loop, the sink's records", unit: "records/s", samples: sameRecordsProduce).line)
        report(Figure(name: "W3 produce: pipeline → KafkaSink", unit: "records/s", samples: sinkProduce).line)
        report(Figure(name: "  KafkaSink / bare (per run pair)", unit: "%", samples: zip(sinkProduce, bareProduce).map { 100 * $0 / $1 }).line)
        report(Figure(name: "  KafkaSink / bare, same records", unit: "%", samples: zip(sinkProduce, sameRecordsProduce).map { 100 * $0 / $1 }).line)
        report(Figure(name: "W3 produce: → KafkaSink(soleWriter: true)", unit: "records/s", samples: soleWriterProduce).line)
        report(Figure(name: "  sole-writer KafkaSink / bare", unit: "%", samples: zip(soleWriterProduce, bareProduce).map { 100 * $0 / $1 }).line)
    }

    /// Records per second through a pipeline of `count` numbers into a Kafka sink.
    private func sinkRate(count: Int, soleWriter: Bool, bootstrapServers: String) async throws -> Double {
        let runtime = Runtime(workers: workers)
        defer { runtime.shutdown() }
        let job = Job("w3-produce")
        job.source("numbers", Source("\(count) numbers") { context in CountingReader(count: count, restoredPosition: nil) })
            .sink("out", .kafka("w3-out", bootstrapServers: bootstrapServers, soleWriter: soleWriter, key: { _ in nil }, value: { _ in Self.value }))
        return Double(count) / (try await seconds { try await job.run(on: runtime) })
    }
}
