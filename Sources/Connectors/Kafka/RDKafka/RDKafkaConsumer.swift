import CRdKafka
import Stream

/// librdkafka's consumer: either reading partitions it is assigned from given offsets (the engine
/// keeps offsets in its checkpoints, not in the group), or a member of a consumer group that
/// assigns it partitions (`group`). `poll` blocks: call it from a dedicated thread, never from
/// the cooperative pool.
///
/// `@unchecked Sendable` is safe: the handle and its consumer queue are thread-safe (librdkafka),
/// and the pointers never change.
final class RDKafkaConsumer: RDKafkaClient, @unchecked Sendable {
    /// `RD_KAFKA_OFFSET_BEGINNING`: the oldest offset the partition still has.
    static let beginning: Int64 = -2
    /// `RD_KAFKA_OFFSET_END`: only records produced from now on.
    static let end: Int64 = -1

    let handle: RDKafkaHandle
    private let queue: OpaquePointer
    private let closed = StopFlag()

    /// A consumer with librdkafka `properties`. With `group`, it takes part in `group.id`'s
    /// rebalances (call ``subscribe(_:)``); the group's committed offsets are read when partitions
    /// are assigned and written only by ``commit(_:)``, never automatically.
    init(properties: [String: String], group: GroupMembership? = nil) throws {
        let defaults = ["group.id": "stream-engine", "enable.auto.commit": "false", "enable.auto.offset.store": "false",
                        "auto.offset.reset": "earliest"]
        let properties = properties.merging(defaults) { given, _ in given }
        let config = try RDKafkaConfig(properties)
        if let group {
            config.withPointer { conf in
                rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(group).toOpaque())
                rd_kafka_conf_set_rebalance_cb(conf) { handle, error, list, opaque in
                    guard let handle, let list, let opaque else { return }
                    Unmanaged<GroupMembership>.fromOpaque(opaque).takeUnretainedValue().rebalance(handle, error, list)
                }
            }
        }
        handle = try RDKafkaHandle(.consumer, config: config, owner: group)
        queue = rd_kafka_queue_get_consumer(handle.pointer)
    }

    /// Joins the group for `topics`; partitions come through the group's rebalances.
    func subscribe(_ topics: [String]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        // -1 is RD_KAFKA_PARTITION_UA (every partition), which Swift does not import.
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, -1) }
        let error = rd_kafka_subscribe(handle.pointer, list)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(error, action: "subscribing to \(topics.joined(separator: ", "))") }
    }

    /// Writes `offsets` (each partition's next offset) as the group's committed offsets, waiting
    /// for the answer. Refused during a rebalance: the caller tries again at the next checkpoint.
    func commit(_ offsets: [TopicPartition: Int64]) throws {
        guard !offsets.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in offsets {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = offset
        }
        let error = rd_kafka_commit(handle.pointer, list, 0)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(error, action: "committing the group's offsets") }
    }

    deinit {
        rd_kafka_queue_destroy(queue)
        close()
    }

    /// Leaves the group (if any) and stops fetching: blocking, call it off the cooperative pool.
    /// Later calls do nothing.
    func close() {
        guard !closed.isSet else { return }
        closed.set()
        rd_kafka_consumer_close(handle.pointer)
    }

    /// Stops fetching `partitions` (they stay assigned).
    func pause(_ partitions: [TopicPartition]) {
        guard !partitions.isEmpty, let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions { rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) }
        _ = rd_kafka_pause_partitions(handle.pointer, list)
    }

    /// The group's committed offsets of `partitions` (absent where none), waiting for the answer.
    func committed(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        guard !partitions.isEmpty, let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else { return [:] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions { rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) }
        var found: [TopicPartition: Int64] = [:]
        for (partition, offset) in zip(partitions, GroupMembership.committed(handle.pointer, list)) { found[partition] = offset }
        return found
    }

    /// Reads exactly these partitions, each from its offset (or ``beginning``/``end``).
    func assign(_ partitions: [(topic: String, partition: Int32, offset: Int64)]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in partitions {
            rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)?.pointee.offset = entry.offset
        }
        let error = rd_kafka_assign(handle.pointer, list)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(error, action: "assigning partitions") }
    }

    /// Starts `partition` again at `offset`: taken out of the assignment and put back, which
    /// also restarts a partition whose fetching librdkafka stopped (a seek cannot).
    func restart(_ partition: TopicPartition, at offset: Int64) throws {
        let action = "moving \(partition.topic)[\(partition.partition)] to offset \(offset)"
        guard let list = rd_kafka_topic_partition_list_new(1) else { throw KafkaError(action: action, message: "out of memory") }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let entry = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)
        for step in [rd_kafka_incremental_unassign, rd_kafka_incremental_assign] {
            entry?.pointee.offset = offset
            if let error = step(handle.pointer, list) {
                let failure = KafkaError(rd_kafka_error_code(error), action: action, message: String(cString: rd_kafka_error_string(error)))
                rd_kafka_error_destroy(error)
                throw failure
            }
        }
    }

    /// Makes a `poll` blocked on another thread return now (with what it has so far).
    func wake() {
        rd_kafka_queue_yield(queue)
    }

    /// Up to `max` records, waiting at most `timeout` for the first. Errors librdkafka reports
    /// on the queue (a broker down, say) are returned beside the records: most are transient.
    /// With `reportingEnds` (and `enable.partition.eof=true`), reaching a partition's end is
    /// returned as a `_PARTITION_EOF` error with the partition and the offset there.
    func poll(max: Int, timeout: Duration, reportingEnds: Bool = false) -> (records: [KafkaRecord], errors: [KafkaError]) {
        var messages = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: max)
        let milliseconds = Int32(timeout.milliseconds)
        let count = rd_kafka_consume_batch_queue(queue, milliseconds, &messages, max)
        guard count > 0 else { return ([], []) }
        var records: [KafkaRecord] = []
        var errors: [KafkaError] = []
        var topics = TopicNames()
        records.reserveCapacity(count)
        for index in 0..<count {
            guard let message = messages[index] else { continue }
            defer { rd_kafka_message_destroy(message) }
            let pointee = message.pointee
            if pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if reportingEnds || pointee.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let text = pointee.payload.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: pointee.len), as: UTF8.self) }
                    var error = KafkaError(pointee.err, action: "consuming", message: text)
                    if pointee.rkt != nil {
                        error.partition = TopicPartition(topic: topics.name(of: pointee.rkt), partition: pointee.partition)
                        error.offset = pointee.offset
                    }
                    errors.append(error)
                }
                continue
            }
            records.append(Self.record(message, topics: &topics))
        }
        return (records, errors)
    }

    /// The last topic handle's name, so a batch makes one `String` per run of a topic, not per record.
    private struct TopicNames {
        var handle: OpaquePointer?
        var name = ""

        mutating func name(of handle: OpaquePointer?) -> String {
            guard let handle else { return "" }
            if handle != self.handle {
                self.handle = handle
                name = String(cString: rd_kafka_topic_name(handle))
            }
            return name
        }
    }

    private static func record(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topics: inout TopicNames) -> KafkaRecord {
        let pointee = message.pointee
        let topic = topics.name(of: pointee.rkt)
        let key = pointee.key.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.key_len)) }
        let value = pointee.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.len)) }
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let time = rd_kafka_message_timestamp(message, &type)
        var headers: [KafkaRecord.Header] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            var index = 0
            var name: UnsafePointer<CChar>?
            var bytes: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(.init(name: name.map { String(cString: $0) } ?? "",
                                     value: bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []))
                index += 1
            }
        }
        return KafkaRecord(topic: topic, partition: pointee.partition, offset: pointee.offset, key: key, value: value,
                           headers: headers, timestamp: type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : time)
    }
}
