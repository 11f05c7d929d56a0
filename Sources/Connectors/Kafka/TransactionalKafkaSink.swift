import Foundation
public import Stream
import Synchronization

extension Sink {
    /// Writes each record to `topic` in Kafka transactions, one per checkpoint: a transaction is
    /// committed once its checkpoint is durable, so a read-committed consumer sees exactly the
    /// output of completed checkpoints. For real clusters (the embedded broker accepts the calls
    /// but does not isolate uncommitted records). Needs checkpoints.
    ///
    /// Opening the sink calls `initTransactions` under `transactionalID`, which fences any earlier
    /// instance still running with it and aborts what it left open. `transaction.timeout.ms`
    /// (librdkafka's property; 60 s unless set) must exceed twice the checkpoint interval, since a
    /// transaction lasts from one checkpoint until the next is durable: the job refuses to start
    /// otherwise. Writes after a checkpoint wait until its transaction is committed.
    ///
    /// A crash after a checkpoint is durable but before its commit completes leaves that
    /// transaction to be aborted by the next `initTransactions` (librdkafka cannot finish another
    /// producer's transaction): such a checkpoint is never restored; `latest` falls back to the
    /// one before and the job replays from there.
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
        all["transactional.id"] = transactionalID
        let producerProperties = all
        return transactionalKafka(topic, properties: all, key: key, value: value) { try RDKafkaProducer(properties: producerProperties) }
    }

    /// The transactional sink over any implementation of the transactional calls (tests record them).
    static func transactionalKafka(_ topic: String, properties: [String: String],
                                   key: @escaping @Sendable (Value) -> [UInt8]?, value: @escaping @Sendable (Value) -> [UInt8],
                                   producer: @escaping @Sendable () throws -> any KafkaTransactionalProducer) -> Sink<Value> {
        Sink("Kafka topic \(topic), transactional") { context in
            try TransactionalKafkaWriter(topic: topic, properties: properties, context: context, producer: producer, key: key, value: value)
        }
    }
}

/// Where the sink's current transaction is.
enum TransactionPhase: Sendable, Equatable {
    /// Records go into the open transaction.
    case open
    /// Flushed at checkpoint `id`; waiting for that checkpoint to be durable.
    case sealed(Int)
    /// Committed: the next write begins a new one.
    case committed
    case failed(String)
}

/// `@unchecked Sendable` is safe: the driver calls it one call at a time; the phase it shares
/// with the checkpoint writer's commit is behind a mutex.
final class TransactionalKafkaWriter<Value: Sendable>: SinkWriter, @unchecked Sendable {
    static var defaultTransactionTimeout: Duration { .seconds(60) }

    private let topic: String
    private let step: String
    private let producer: any KafkaTransactionalProducer
    private let key: @Sendable (Value) -> [UInt8]?
    private let value: @Sendable (Value) -> [UInt8]
    private let phase = Mutex(TransactionPhase.committed)
    /// Resumed when a sealed transaction is committed or its checkpoint fails.
    private let settled = Mutex<CheckedContinuation<Void, Never>?>(nil)

    init(topic: String, properties: [String: String], context: SinkContext, producer makeProducer: () throws -> any KafkaTransactionalProducer,
         key: @escaping @Sendable (Value) -> [UInt8]?, value: @escaping @Sendable (Value) -> [UInt8]) throws {
        self.topic = topic
        step = context.stepID
        self.key = key
        self.value = value
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
            producer = try makeProducer()
            try producer.initTransactions(timeout: .seconds(30))
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: "connect", position: topic, message: "\(error)")
        }
    }

    /// Waits until the sealed transaction is settled; begins a new one after a commit.
    private func prepareToWrite() async throws {
        while true {
            let current = phase.withLock { $0 }
            switch current {
            case .open:
                return
            case .committed:
                try transactional("begin") { try producer.beginTransaction() }
                phase.withLock { $0 = .open }
                return
            case .failed(let reason):
                throw StreamError(.io, step: step, action: "commit", position: topic, message: reason)
            case .sealed:
                await withCheckedContinuation { continuation in
                    let stillSealed = settled.withLock { waiting -> Bool in
                        if case .sealed = phase.withLock({ $0 }) { waiting = continuation; return true }
                        return false
                    }
                    if !stillSealed { continuation.resume() }
                }
            }
        }
    }

    /// Moves a sealed transaction on (committed, failed, or open again) and wakes the writer.
    private func settle(_ next: TransactionPhase) {
        let waiter = settled.withLock { waiting -> CheckedContinuation<Void, Never>? in
            phase.withLock { phase in
                if case .sealed = phase { phase = next }
            }
            defer { waiting = nil }
            return waiting
        }
        waiter?.resume()
    }

    private func transactional(_ action: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: action, position: topic, message: "\(error)")
        }
    }

    func write(_ batch: RecordBatch<Value>) async throws {
        guard !batch.values.isEmpty else { return }
        try await prepareToWrite()
        try transactional("produce") {
            for record in batch.values { try producer.produce(topic: topic, key: key(record), value: value(record)) }
        }
    }

    /// Flushes the open transaction and seals it for this checkpoint: it is committed once the
    /// checkpoint is durable; if the checkpoint fails, it stays open for the next one.
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        try await prepareToWrite()
        try transactional("flush") { try producer.flush(timeout: .seconds(30)) }
        phase.withLock { $0 = .sealed(barrier.id) }
        barrier.commitsCannotBeRepeated()
        barrier.onCommit { [self] in
            do {
                try producer.commitTransaction(timeout: .seconds(30))
                settle(.committed)
            } catch {
                // The checkpoint is then not restorable, and the job stops at its next write.
                settle(.failed("\(error)"))
                throw error
            }
        }
        barrier.onAbort { [self] in settle(.open) }
    }

    func close() async throws {
        try transactional("flush") { try producer.flush(timeout: .seconds(30)) }
    }
}
