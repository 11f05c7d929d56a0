import CRdKafka
import Synchronization

/// One partition of a topic.
struct TopicPartition: Hashable, Sendable {
    var topic: String
    var partition: Int32
}

/// What a consumer group did to this member, in order: partitions given to it (with the offset
/// each starts from) or taken away.
enum GroupChange: Sendable, Equatable {
    case assigned([TopicPartition: Int64])
    case revoked([TopicPartition])
}

/// A consumer's side of group membership. librdkafka calls `rebalance` on the consumer's poll
/// thread, and requires the (re)assignment there; everything else is buffered in `changes` for
/// the reader to take between batches, not run inline.
///
/// `startOffset` gives the offset a newly assigned partition starts from (nil: the group's
/// committed offset, or the beginning), knowing the group's committed offset and how far
/// this member read the partition before (see ``reached(_:in:)``); it must not block for long.
final class GroupMembership: Sendable {
    typealias StartOffset = @Sendable (TopicPartition, _ committed: Int64?, _ reached: Int64?) -> Int64?

    private let pending = Mutex<[GroupChange]>([])
    /// Each partition's next offset as far as this member read it (also after it lost it).
    private let progress = Mutex<[TopicPartition: Int64]>([:])
    /// The offset each partition held now started from.
    private let starts = Mutex<[TopicPartition: Int64]>([:])
    let startOffset: StartOffset

    init(startOffset: @escaping StartOffset) {
        self.startOffset = startOffset
    }

    /// Notes that this member has read `partition` up to `next` (its next offset).
    func reached(_ next: Int64, in partition: TopicPartition) {
        progress.withLock { $0[partition] = next }
    }

    /// The offset `partition` started from when it was last assigned.
    func start(of partition: TopicPartition) -> Int64? {
        starts.withLock { $0[partition] }
    }

    /// The changes since the last call, oldest first.
    func takeChanges() -> [GroupChange] {
        pending.withLock { changes in defer { changes = [] }; return changes }
    }

    /// librdkafka's rebalance callback, on the poll thread.
    func rebalance(_ handle: OpaquePointer, _ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        let partitions = (0..<Int(list.pointee.cnt)).map { index in
            let entry = list.pointee.elems[index]
            return TopicPartition(topic: String(cString: entry.topic), partition: entry.partition)
        }
        if error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            let committed = Self.committed(handle, list)
            var offsets: [TopicPartition: Int64] = [:]
            for (index, partition) in partitions.enumerated() {
                if let start = startOffset(partition, committed[index], progress.withLock { $0[partition] }) {
                    list.pointee.elems[index].offset = start
                    offsets[partition] = start
                } else {
                    // Explicit, so librdkafka's `auto.offset.reset` is never needed for a start:
                    // the source sets it to `error`, to hear of records lost to retention.
                    let start = committed[index] ?? RDKafkaConsumer.beginning
                    list.pointee.elems[index].offset = start
                    offsets[partition] = start
                }
            }
            if cooperative {
                rd_kafka_error_destroy(rd_kafka_incremental_assign(handle, list))
            } else {
                rd_kafka_assign(handle, list)
            }
            starts.withLock { $0.merge(offsets) { _, new in new } }
            pending.withLock { $0.append(.assigned(offsets)) }
        } else {
            if cooperative {
                rd_kafka_error_destroy(rd_kafka_incremental_unassign(handle, list))
            } else {
                rd_kafka_assign(handle, nil)
            }
            pending.withLock { $0.append(.revoked(partitions)) }
        }
    }

    /// The group's committed offset of each partition in `list` (nil where none).
    private static func committed(_ handle: OpaquePointer, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [Int64?] {
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
