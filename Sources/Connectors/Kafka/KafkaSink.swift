import CRdKafka
import Foundation
public import Stream

extension Sink {
    /// Writes each record to `topic` with librdkafka's idempotent producer: `key` picks the
    /// partition (records with equal keys stay in order), `value` is the payload. Delivery errors
    /// stop the job naming the topic; nothing is dropped silently.
    ///
    /// With checkpoints the output is exactly once across crashes, without relying on broker
    /// transactions: every record carries a header naming its sink, each checkpoint records where
    /// each partition ended, and a restored sink first reads what reached the topic after the
    /// checkpoint and skips those records (by a hash of key and value, counting repeats) when the
    /// job produces them again. With `soleWriter`, records carry no header and every record
    /// after the checkpoint counts as the sink's own: faster (librdkafka produces records with
    /// headers at about half the rate), but only for a topic nothing else writes to while the
    /// job runs — another writer's record with the same key and value would be taken for one of
    /// the sink's and not written. Records read from several partitions may come
    /// in another order after a restore, so identity is by content, not by position: output that
    /// is the same whatever the arrival order (window results, per-key results of a key that
    /// stays in one partition) is exactly once.
    ///
    /// ```swift
    /// counts.sink("counts-out", .kafka("counts", bootstrapServers: servers,
    ///                                   key: { Array($0.user.utf8) }, value: { Array($0.csvLine.utf8) }))
    /// ```
    public static func kafka(_ topic: String, bootstrapServers: String, properties: [String: String] = [:], soleWriter: Bool = false,
                             key: @escaping @Sendable (Value) -> [UInt8]?,
                             value: @escaping @Sendable (Value) -> [UInt8]) -> Sink<Value> {
        Sink("Kafka topic \(topic) at \(bootstrapServers)") { context in
            var all = properties
            all["bootstrap.servers"] = bootstrapServers
            return try KafkaSinkWriter(topic: topic, properties: all, soleWriter: soleWriter, context: context, key: key, value: value)
        }
    }
}

extension KafkaRecord.Header {
    /// The header every record a Kafka sink writes carries, naming the sink:
    /// `stream-sink: <job>/<step>`, followed by `@<instance>` when the job checkpoints. A restored
    /// sink recognises its own records by it; the instance keeps apart several instances of one
    /// job writing one topic (a consumer group's members), each with its checkpoint directory.
    ///
    /// ```swift
    /// let mine = record.headers.contains(.sinkIdentity(job: "clickstream", step: "counts-out"))
    /// ```
    public static func sinkIdentity(job: String, step: String, instance: String? = nil) -> KafkaRecord.Header {
        KafkaRecord.Header(name: "stream-sink", value: Array("\(job)/\(step)\(instance.map { "@\($0)" } ?? "")".utf8))
    }

    /// A short, stable name for the instance that checkpoints to `directory`: a hash of its
    /// absolute path.
    static func instance(checkpointDirectory directory: String) -> String {
        let path = URL(fileURLWithPath: directory).standardizedFileURL.path
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }
}

/// What a checkpoint records of a Kafka sink: each partition's end offset once everything
/// before the barrier was delivered, and the records a restored sink found already written and
/// has not produced again yet (by content hash, with how many): a checkpoint taken before the
/// job caught up must not forget them, or the run restored from it would write them twice.
struct KafkaSinkState: Codable, Sendable, Equatable {
    var endOffsets: [Int32: Int64]
    var alreadyWritten: [UInt64: Int]?
}

/// `@unchecked Sendable` is safe: the job's driver calls it one call at a time; the producer
/// is thread-safe.
final class KafkaSinkWriter<Value: Sendable>: SinkWriter, @unchecked Sendable {

    private let topic: String
    private let step: String
    /// The header every record of this sink carries: `stream-sink: <job>/<step>`.
    private let identity: KafkaRecord.Header
    /// The headers each produce takes: the identity (built once, not per record), or none for a sole writer.
    private let identityHeaders: [KafkaRecord.Header]
    private let soleWriter: Bool
    private let producer: RDKafkaProducer
    /// The consumer settings for reading the topic back after a restore.
    private let consumerProperties: [String: String]
    private let partitions: [Int32]
    private let key: @Sendable (Value) -> [UInt8]?
    private let value: @Sendable (Value) -> [UInt8]
    /// Content hashes of records that reached the topic after the restored checkpoint, with how
    /// many times each: not to be sent again.
    private var alreadyWritten: [UInt64: Int] = [:]
    /// Where producing (which waits while librdkafka's queue is full) and flushing run.
    private let lane: BlockingLane

    init(topic: String, properties: [String: String], soleWriter: Bool = false, context: SinkContext,
         key: @escaping @Sendable (Value) -> [UInt8]?, value: @escaping @Sendable (Value) -> [UInt8]) throws {
        self.topic = topic
        step = context.stepID
        // A group job's task writes as the task, whichever instance runs it, so its new owner
        // knows the old owner's records after the task's checkpoint for its own.
        identity = .sinkIdentity(job: context.run.job.name, step: context.stepID,
                                 instance: context.run.task.map(\.name)
                                    ?? context.run.options.checkpointDirectory.map { KafkaRecord.Header.instance(checkpointDirectory: $0) })
        identityHeaders = soleWriter ? [] : [identity]
        self.soleWriter = soleWriter
        lane = BlockingLane("kafka-sink-\(context.stepID)")
        self.key = key
        self.value = value
        consumerProperties = properties.merging(["fetch.wait.max.ms": "10"]) { given, _ in given }
        var producerProperties = properties
        producerProperties["enable.idempotence"] = producerProperties["enable.idempotence"] ?? "true"
        do {
            producer = try RDKafkaProducer(properties: producerProperties)
            partitions = try producer.partitions(of: topic)
        } catch let error as KafkaError {
            throw StreamError(.io, step: context.stepID, action: "connect", position: topic, message: "\(error)")
        }
        if let saved = try context.run.registerState(KafkaSinkState.self, for: context.stepID) {
            alreadyWritten = try written(after: saved.endOffsets).merging(saved.alreadyWritten ?? [:]) { found, carried in found + carried }
        }
    }

    /// This sink's records found in the topic after `offsets` (each partition's end when the
    /// checkpoint was taken), by content hash, read to each partition's true end (see
    /// ``KafkaReadBack``). The consumer that reads them lives only for this: an idle consumer
    /// kept beside the producer slows the embedded broker's acknowledgements.
    private func written(after offsets: [Int32: Int64]) throws -> [UInt64: Int] {
        var found: [UInt64: Int] = [:]
        do {
            var starts: [Int32: Int64] = [:]
            var ends: [Int32: Int64] = [:]
            for partition in partitions {
                starts[partition] = offsets[partition] ?? 0
                ends[partition] = try producer.endOffset(topic: topic, partition: partition)
            }
            try KafkaReadBack(topic: topic, properties: consumerProperties).read(from: starts, knownEnds: ends) { record in
                if soleWriter || record.headers.contains(identity) {
                    found[Self.contentHash(key: record.key, value: record.value ?? []), default: 0] += 1
                }
            }
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: "restore", position: topic, message: "\(error)")
        }
        return found
    }

    func write(_ batch: RecordBatch<Value>) async throws {
        guard !batch.values.isEmpty else { return }
        try await lane.run { [self] in
            do {
                for record in batch.values {
                    let recordKey = key(record)
                    let recordValue = value(record)
                    if !alreadyWritten.isEmpty, skipIfWritten(key: recordKey, value: recordValue) { continue }
                    try producer.produce(topic: topic, key: recordKey, value: recordValue, headers: identityHeaders)
                }
            } catch let error as KafkaError {
                throw StreamError(.io, step: step, action: "produce", position: topic, message: "\(error)")
            }
        }
        try checkDeliveries()
    }

    /// Throws the first delivery that failed since the last look: a record librdkafka gave up on
    /// must stop the job, never vanish.
    private func checkDeliveries() throws {
        if let failure = producer.reports.takeFailures().first {
            throw StreamError(.io, step: step, action: "deliver", position: topic, message: "\(failure)")
        }
    }

    /// Whether a record with this key and value reached the topic after the restored checkpoint
    /// (and is counted off as sent again now).
    private func skipIfWritten(key: [UInt8]?, value: [UInt8]) -> Bool {
        let content = Self.contentHash(key: key, value: value)
        guard let left = alreadyWritten[content] else { return false }
        alreadyWritten[content] = left > 1 ? left - 1 : nil
        return true
    }

    /// FNV-1a over the key (with its length, or a marker for none) and the value, finished with a
    /// mix. An empty key counts as none: librdkafka sends both the same way.
    static func contentHash(key: [UInt8]?, value: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        if let key, !key.isEmpty {
            withUnsafeBytes(of: UInt64(key.count).littleEndian) { for byte in $0 { add(byte) } }
            for byte in key { add(byte) }
        } else {
            for _ in 0..<8 { add(0xFF) }
        }
        for byte in value { add(byte) }
        hash = (hash ^ (hash >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        return hash ^ (hash >> 33)
    }

    /// Waits for every record before the barrier to be delivered, then records each partition's
    /// end: the broker's, or past the last record delivered there if the broker's is behind it
    /// (a stale end would make the restored sink read back records from before the checkpoint,
    /// and skip a new record identical to one of them).
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        let ends = try await lane.run { [self] () throws -> [Int32: Int64] in
            do {
                try producer.flush()
                try checkDeliveries()
                let delivered = producer.reports.deliveredEnds(of: topic)
                var ends: [Int32: Int64] = [:]
                for partition in partitions {
                    ends[partition] = max(try producer.endOffset(topic: topic, partition: partition), delivered[partition] ?? 0)
                }
                return ends
            } catch let error as KafkaError {
                throw StreamError(.io, step: step, action: "checkpoint", position: topic, message: "\(error)")
            }
        }
        barrier.store(KafkaSinkState(endOffsets: ends, alreadyWritten: alreadyWritten.isEmpty ? nil : alreadyWritten), for: step)
    }

    func close() async throws {
        try await lane.run { [self] in
            do {
                try producer.flush()
            } catch let error as KafkaError {
                throw StreamError(.io, step: step, action: "flush", position: topic, message: "\(error)")
            }
        }
        try checkDeliveries()
    }
}
