import CRdKafka
import Synchronization

/// One partition of a topic.
struct TopicPartition: Hashable, Sendable {
    var topic: String
    var partition: Int32
}

/// What a consumer group did to this member: partitions given to it or taken away.
enum GroupChange: Sendable, Equatable {
    case assigned([TopicPartition])
    case revoked([TopicPartition])
}

/// A consumer's side of group membership. librdkafka calls `rebalance` on the consumer's poll
/// thread, and requires the (re)assignment there; `onChange` hears of each change inside it, in
/// order: an assignment once made, a revocation before it is undone (so whatever used the
/// partitions stops first). It must not block for long, but a revocation may wait for work to
/// stop (up to the group's `max.poll.interval.ms`).
final class GroupMembership: Sendable {
    let onChange: @Sendable (GroupChange) -> Void

    init(onChange: @escaping @Sendable (GroupChange) -> Void) {
        self.onChange = onChange
    }

    /// librdkafka's rebalance callback, on the poll thread.
    func rebalance(_ handle: OpaquePointer, _ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        let partitions = (0..<Int(list.pointee.cnt)).map { index in
            let entry = list.pointee.elems[index]
            return TopicPartition(topic: String(cString: entry.topic), partition: entry.partition)
        }
        if error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if cooperative {
                rd_kafka_error_destroy(rd_kafka_incremental_assign(handle, list))
            } else {
                rd_kafka_assign(handle, list)
            }
            onChange(.assigned(partitions))
        } else {
            onChange(.revoked(partitions))
            if cooperative {
                rd_kafka_error_destroy(rd_kafka_incremental_unassign(handle, list))
            } else {
                rd_kafka_assign(handle, nil)
            }
        }
    }

    /// The group's committed offset of each partition in `list` (nil where none).
    static func committed(_ handle: OpaquePointer, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [Int64?] {
        guard let copy = rd_kafka_topic_partition_list_copy(list) else { return Array(repeating: nil, count: Int(list.pointee.cnt)) }
        defer { rd_kafka_topic_partition_list_destroy(copy) }
        guard rd_kafka_committed(handle, copy, 10_000) == RD_KAFKA_RESP_ERR_NO_ERROR else {
            return Array(repeating: nil, count: Int(list.pointee.cnt))
        }
        return (0..<Int(copy.pointee.cnt)).map { index in
            let entry = copy.pointee.elems[index]
            return entry.err == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 ? entry.offset : nil
        }
    }
}
