import CRdKafka
import Foundation
public import Stream

extension Sink {
    /// Writes each record to `topic` with librdkafka's idempotent producer: `key` picks the
    /// partition (records with equal keys stay in order), `value` is the payload. Delivery errors
    /// stop the job naming the topic; nothing is dropped silently.
    ///
    /// With checkpoints the output is exactly once across crashes, without relying on broker
    /// transactions: every record carries its sink and its sequence number in headers, each
    /// checkpoint records the sequence reached and where each partition ended, and a restored sink
    /// first reads what reached the topic after the checkpoint and skips those records when the
    /// job produces them again.
    ///
    /// ```swift
    /// counts.sink("counts-out", .kafka("counts", bootstrapServers: servers,
    ///                                   key: { Array($0.user.utf8) }, value: { Array($0.csvLine.utf8) }))
    /// ```
    public static func kafka(_ topic: String, bootstrapServers: String, properties: [String: String] = [:],
                             key: @escaping @Sendable (Value) -> [UInt8]?,
                             value: @escaping @Sendable (Value) -> [UInt8]) -> Sink<Value> {
        Sink("Kafka topic \(topic) at \(bootstrapServers)") { context in
            var all = properties
            all["bootstrap.servers"] = bootstrapServers
            return try KafkaSinkWriter(topic: topic, properties: all, context: context, key: key, value: value)
        }
    }
}

/// What a checkpoint records of a Kafka sink: the next sequence number, and each partition's
/// end offset once everything before the barrier was delivered.
struct KafkaSinkState: Codable, Sendable, Equatable {
    var nextSequence: Int64
    var endOffsets: [Int32: Int64]
}

/// `@unchecked Sendable` is safe: the job's driver calls it one call at a time; the producer
/// is thread-safe.
final class KafkaSinkWriter<Value: Sendable>: SinkWriter, @unchecked Sendable {
    static var sinkHeader: String { "stream-sink" }
    static var sequenceHeader: String { "stream-seq" }

    private let topic: String
    private let step: String
    private let identity: [UInt8]
    private let producer: RDKafkaProducer
    private let probe: RDKafkaConsumer
    private let partitions: [Int32]
    private let key: @Sendable (Value) -> [UInt8]?
    private let value: @Sendable (Value) -> [UInt8]
    private var nextSequence: Int64 = 0
    /// Sequence numbers that reached the topic after the restored checkpoint: not to be sent again.
    private var alreadyWritten: Set<Int64> = []

    init(topic: String, properties: [String: String], context: SinkContext,
         key: @escaping @Sendable (Value) -> [UInt8]?, value: @escaping @Sendable (Value) -> [UInt8]) throws {
        self.topic = topic
        step = context.stepID
        identity = Array("\(context.run.job.name)/\(context.stepID)".utf8)
        self.key = key
        self.value = value
        var producerProperties = properties
        producerProperties["enable.idempotence"] = producerProperties["enable.idempotence"] ?? "true"
        do {
            producer = try RDKafkaProducer(properties: producerProperties)
            probe = try RDKafkaConsumer(properties: properties.merging(["fetch.wait.max.ms": "10"]) { given, _ in given })
            partitions = try probe.partitions(of: topic)
        } catch let error as KafkaError {
            throw StreamError(.io, step: context.stepID, action: "connect", position: topic, message: "\(error)")
        }
        if let saved = try context.run.registerState(KafkaSinkState.self, for: context.stepID) {
            nextSequence = saved.nextSequence
            alreadyWritten = try written(after: saved.endOffsets)
        }
    }

    /// This sink's sequence numbers found in the topic after `offsets` (each partition's end
    /// when the checkpoint was taken).
    private func written(after offsets: [Int32: Int64]) throws -> Set<Int64> {
        var found: Set<Int64> = []
        do {
            var assignment: [(topic: String, partition: Int32, offset: Int64)] = []
            var ends: [Int32: Int64] = [:]
            for partition in partitions {
                let end = try probe.endOffset(topic: topic, partition: partition)
                let start = offsets[partition] ?? 0
                if end > start {
                    assignment.append((topic, partition, start))
                    ends[partition] = end
                }
            }
            guard !assignment.isEmpty else { return [] }
            try probe.assign(assignment)
            var remaining = ends
            let deadline = ContinuousClock.now + .seconds(60)
            while !remaining.isEmpty {
                guard ContinuousClock.now < deadline else {
                    throw KafkaError(action: "reading back \(topic) after a restore", message: "timed out")
                }
                let (records, _) = probe.poll(max: 1024, timeout: .milliseconds(100))
                for record in records {
                    if record.headers.contains(where: { $0.name == Self.sinkHeader && $0.value == identity }),
                       let header = record.headers.first(where: { $0.name == Self.sequenceHeader }), header.value.count == 8 {
                        let sequence = header.value.reduce(Int64(0)) { $0 << 8 | Int64($1) }
                        found.insert(sequence)
                    }
                    if let end = remaining[record.partition], record.offset + 1 >= end { remaining[record.partition] = nil }
                }
            }
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: "restore", position: topic, message: "\(error)")
        }
        return found
    }

    func write(_ batch: RecordBatch<Value>) async throws {
        do {
            for record in batch.values {
                let sequence = nextSequence
                nextSequence += 1
                if !alreadyWritten.isEmpty, alreadyWritten.remove(sequence) != nil { continue }
                try producer.produce(topic: topic, partition: nil, key: key(record), value: value(record), timestamp: nil) { [identity] list in
                    _ = identity.withUnsafeBytes { rd_kafka_header_add(list, Self.sinkHeader, -1, $0.baseAddress, $0.count) }
                    // The sequence as 8 bytes, big-endian.
                    withUnsafeBytes(of: sequence.bigEndian) { _ = rd_kafka_header_add(list, Self.sequenceHeader, -1, $0.baseAddress, $0.count) }
                }
            }
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: "produce", position: topic, message: "\(error)")
        }
        if let failure = producer.reports.takeFailures().first {
            throw StreamError(.io, step: step, action: "deliver", position: topic, message: "\(failure)")
        }
    }

    /// Waits for every record before the barrier to be delivered, then records the sequence
    /// reached and each partition's end.
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        do {
            try producer.flush()
            var ends: [Int32: Int64] = [:]
            for partition in partitions { ends[partition] = try probe.endOffset(topic: topic, partition: partition) }
            barrier.store(KafkaSinkState(nextSequence: nextSequence, endOffsets: ends), for: step)
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: "checkpoint", position: topic, message: "\(error)")
        }
    }

    func close() async throws {
        do {
            try producer.flush()
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: "flush", position: topic, message: "\(error)")
        }
    }
}
