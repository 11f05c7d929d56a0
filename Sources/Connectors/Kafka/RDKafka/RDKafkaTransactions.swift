import CRdKafka

/// The calls a transactional Kafka sink makes, in its order: `initTransactions` once (fencing
/// earlier producers with the same `transactional.id` and aborting what they left open), then
/// per checkpoint `beginTransaction`, `produce`…, `flush`, `commitTransaction`.
/// ``RDKafkaProducer`` implements it over librdkafka; tests record the calls.
protocol KafkaTransactionalProducer: AnyObject, Sendable {
    func initTransactions(timeout: Duration) throws
    func beginTransaction() throws
    func produce(topic: String, key: [UInt8]?, value: [UInt8]) throws
    func flush(timeout: Duration) throws
    func commitTransaction(timeout: Duration) throws
    func abortTransaction(timeout: Duration) throws
}

extension RDKafkaProducer: KafkaTransactionalProducer {
    func initTransactions(timeout: Duration) throws {
        try Self.check(rd_kafka_init_transactions(handle.pointer, Int32(timeout.milliseconds)), action: "initialising transactions")
    }

    func beginTransaction() throws {
        try Self.check(rd_kafka_begin_transaction(handle.pointer), action: "beginning a transaction")
    }

    func produce(topic: String, key: [UInt8]?, value: [UInt8]) throws {
        try produce(topic: topic, partition: nil, key: key, value: value)
    }

    func commitTransaction(timeout: Duration) throws {
        try Self.check(rd_kafka_commit_transaction(handle.pointer, Int32(timeout.milliseconds)), action: "committing a transaction")
    }

    func abortTransaction(timeout: Duration) throws {
        try Self.check(rd_kafka_abort_transaction(handle.pointer, Int32(timeout.milliseconds)), action: "aborting a transaction")
    }

    /// Throws (and frees) a transactional call's error object, if any.
    private static func check(_ error: OpaquePointer?, action: String) throws {
        guard let error else { return }
        defer { rd_kafka_error_destroy(error) }
        throw KafkaError(rd_kafka_error_code(error), action: action, message: String(cString: rd_kafka_error_string(error)))
    }
}
