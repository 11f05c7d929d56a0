import Foundation
public import Stream
import Synchronization

extension Sink {
    /// Writes each record to `topic` in Kafka transactions, one per checkpoint: a transaction is
    /// committed once its checkpoint is durable, so a read-committed consumer sees exactly the
    /// output of completed checkpoints. For real clusters (the embedded broker accepts the calls
    /// but does not isolate uncommitted records). Needs checkpoints.
    ///
    /// The sink has two producers, `<transactionalID>-0` and `-1`, and alternates between them at
    /// each checkpoint, so writing goes on while the last checkpoint's transaction waits for its
    /// commit. Opening the sink calls `initTransactions` on both, which fences any earlier
    /// instance still running with those ids and aborts what it left open. `transaction.timeout.ms`
    /// (librdkafka's property; 60 s unless set) must exceed twice the checkpoint interval, since a
    /// transaction lasts from one checkpoint until the next is durable: the job refuses to start
    /// otherwise.
    ///
    /// A crash after a checkpoint is durable but before its commit completes leaves that
    /// transaction to be aborted by the next `initTransactions` (librdkafka cannot finish another
    /// producer's transaction): such a checkpoint is never restored; `latest` falls back to the
    /// one before and the job replays from there. A checkpoint that fails to be written stops the
    /// job (its transaction cannot join the other producer's): restore it from its last checkpoint.
    ///
    /// ```swift
    /// counts.sink("counts-out", .kafka("counts", bootstrapServers: servers, transactionalID: "clickstream-counts",
    ///                                   key: { Array($0.page.utf8) }, value: { Array($0.csvLine.utf8) }))
    /// ```
    public static func kafka(_ topic: String, bootstrapServers: String, properties: [String: String] = [:], transactionalID: String,
                             key: @escaping @Sendable (Value) -> [UInt8]?,
                             value: @escaping @Sendable (Value) -> [UInt8]) -> Sink<Value> {
        var all = properties
        all["bootstrap.servers"] = bootstrapServers
        let producerProperties = all
        return transactionalKafka(topic, properties: all, key: key, value: value) { index in
            try RDKafkaProducer(properties: producerProperties.merging(["transactional.id": "\(transactionalID)-\(index)"]) { _, new in new })
        }
    }

    /// The transactional sink over any implementation of the transactional calls (tests record them).
    static func transactionalKafka(_ topic: String, properties: [String: String],
                                   key: @escaping @Sendable (Value) -> [UInt8]?, value: @escaping @Sendable (Value) -> [UInt8],
                                   producer: @escaping @Sendable (_ index: Int) throws -> any KafkaTransactionalProducer) -> Sink<Value> {
        Sink("Kafka topic \(topic), transactional") { context in
            try TransactionalKafkaWriter(topic: topic, properties: properties, context: context, producer: producer, key: key, value: value)
        }
    }
}

/// `@unchecked Sendable` is safe: the driver calls it one call at a time (`current` is its
/// own); what the slots share with the checkpoint writer's commits is behind their mutexes.
final class TransactionalKafkaWriter<Value: Sendable>: SinkWriter, @unchecked Sendable {
    static var defaultTransactionTimeout: Duration { .seconds(60) }

    private let topic: String
    private let step: String
    private let slots: [TransactionSlot]
    /// The slot records go to now.
    private var current = 0
    private let key: @Sendable (Value) -> [UInt8]?
    private let value: @Sendable (Value) -> [UInt8]
    /// Where producing (which waits while librdkafka's queue is full) and flushing run.
    private let lane: BlockingLane

    init(topic: String, properties: [String: String], context: SinkContext, producer makeProducer: (Int) throws -> any KafkaTransactionalProducer,
         key: @escaping @Sendable (Value) -> [UInt8]?, value: @escaping @Sendable (Value) -> [UInt8]) throws {
        self.topic = topic
        step = context.stepID
        self.key = key
        self.value = value
        lane = BlockingLane("kafka-transactional-sink-\(context.stepID)")
        let options = context.run.options
        guard options.checkpointDirectory != nil else {
            throw StreamError(.invalidJob, step: step, action: "configure",
                              message: "a transactional Kafka sink commits at checkpoints: run the job with a checkpoint directory")
        }
        let timeout = properties["transaction.timeout.ms"].flatMap(Int64.init).map { Duration.milliseconds($0) } ?? Self.defaultTransactionTimeout
        guard timeout > options.checkpointInterval * 2 else {
            throw StreamError(.invalidJob, step: step, action: "configure",
                              message: "transaction.timeout.ms (\(timeout.milliseconds) ms) must exceed twice the checkpoint interval (\(options.checkpointInterval.milliseconds) ms): a transaction lasts until the next checkpoint is durable")
        }
        do {
            slots = try (0..<2).map { index in
                let producer = try makeProducer(index)
                try producer.initTransactions(timeout: .seconds(30))
                return TransactionSlot(producer: producer)
            }
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: "connect", position: topic, message: "\(error)")
        }
    }

    private func transactional(_ action: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: action, position: topic, message: "\(error)")
        }
    }

    /// `transactional(action, body)` on the lane, off the cooperative pool.
    private func blocking(_ action: String, _ body: @escaping @Sendable () throws -> Void) async throws {
        try await lane.run { [self] in try transactional(action, body) }
    }

    /// The current slot with an open transaction: waits while it is sealed (its checkpoint not yet
    /// durable), begins a transaction after a commit.
    private func writableSlot() async throws -> TransactionSlot {
        let slot = slots[current]
        while true {
            switch slot.phase {
            case .open:
                return slot
            case .idle:
                try transactional("begin") { try slot.producer.beginTransaction() }
                slot.set(.open)
                return slot
            case .failed(let reason):
                throw StreamError(.io, step: step, action: "commit", position: topic, message: reason)
            case .sealed:
                await slot.waitUntilSettled()
            }
        }
    }

    func write(_ batch: RecordBatch<Value>) async throws {
        guard !batch.values.isEmpty else { return }
        let slot = try await writableSlot()
        try await blocking("produce") { [topic, key, value] in
            for record in batch.values { try slot.producer.produce(topic: topic, key: key(record), value: value(record)) }
        }
    }

    /// Flushes and seals the open transaction for this checkpoint and moves writing to the other
    /// slot. The transaction is committed once the checkpoint is durable — provided the earlier
    /// checkpoint's, if still pending then, was committed. If the checkpoint fails, its
    /// transaction cannot be carried over to the next one (the other producer has moved on), so
    /// the job stops, to be restored from its last checkpoint (a failed checkpoint stops a job
    /// with a transactional sink, as in Flink's default).
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        for slot in slots {
            if case .failed(let reason) = slot.phase { throw StreamError(.io, step: step, action: "commit", position: topic, message: reason) }
        }
        let pending = slots.compactMap { slot -> (TransactionSlot, Int)? in
            if case .sealed(let id) = slot.phase { (slot, id) } else { nil }
        }
        let sealing = slots[current].phase == .open ? [slots[current]] : []
        for slot in sealing {
            try await blocking("flush") { try slot.producer.flush(timeout: .seconds(30)) }
            slot.set(.sealed(barrier.id))
        }
        // Every checkpoint waits for its commits: one taken while an earlier transaction was
        // still pending must not be restored unless that one was committed first.
        barrier.commitsCannotBeRepeated()
        let id = barrier.id
        barrier.onCommit {
            for (slot, earlier) in pending where slot.lastCommitted < earlier {
                throw KafkaError(action: "committing chk-\(id)", message: "the transaction of chk-\(earlier) was not committed")
            }
            for slot in sealing {
                do {
                    try slot.producer.commitTransaction(timeout: .seconds(30))
                    slot.committed(id)
                } catch {
                    slot.failed("the transaction of chk-\(id) was not committed: \(error); restore the job from its last checkpoint")
                    throw error
                }
            }
        }
        barrier.onAbort {
            for slot in sealing {
                slot.failed("checkpoint chk-\(id) failed, and its Kafka transaction cannot be carried over to the next one; restore the job from its last checkpoint")
            }
        }
        if !sealing.isEmpty { current = 1 - current }
    }

    func close() async throws {
        let slot = slots[current]
        guard slot.phase == .open else { return }
        try await blocking("flush") { try slot.producer.flush(timeout: .seconds(30)) }
    }
}
