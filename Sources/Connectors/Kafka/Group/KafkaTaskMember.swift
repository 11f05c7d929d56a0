import CRdKafka
import Foundation
import Logging
import Stream

/// This instance's member of one consumer group of a group job: it takes part in the group's
/// rebalances for the sub-pipeline's task topic, never reads it (its partitions are paused: the
/// tasks read them), and tells the job which tasks it holds — a revocation only returns once the
/// job has stopped and checkpointed those tasks, so no two instances run one task at once. With
/// the default eager protocol every rebalance stops and restores the group's tasks; with
/// `partition.assignment.strategy=cooperative-sticky` only those that move.
///
/// `@unchecked Sendable` is safe: the consumer is thread-safe (librdkafka), the poll thread is
/// started once and stopped by `leave`, and the flag is atomic.
final class KafkaTaskMember: GroupMember, @unchecked Sendable {
    private let topic: String
    private let group: String
    private var consumer: RDKafkaConsumer!
    private let stop = StopFlag()
    private let stopped = DispatchSemaphore(value: 0)

    init(group: String, topic: String, properties: [String: String], tasks: TaskListener) throws {
        self.topic = topic
        self.group = group
        let membership = GroupMembership { [weak self] change in
            guard let self else { return }
            switch change {
            case .assigned(let partitions):
                consumer?.pause(partitions)
                tasks.assigned(self, partitions.map { Int($0.partition) })
            case .revoked(let partitions):
                tasks.revoked(partitions.map { Int($0.partition) })
            }
        }
        var all = properties
        all["group.id"] = group
        // The eager protocol by default: librdkafka 2.0.2's cooperative-sticky assignor can fail
        // an assertion when a member closes mid-rebalance (seen here). A user may choose it.
        all["partition.assignment.strategy"] = all["partition.assignment.strategy"] ?? "range"
        consumer = try RDKafkaConsumer(properties: all, group: membership)
        try consumer.subscribe([topic])
        let thread = Thread { [consumer, stop, stopped] in
            // Rebalances happen inside poll; the partitions are paused, so nothing is fetched.
            while !stop.isSet { _ = consumer!.poll(max: 16, timeout: .milliseconds(100)) }
            stopped.signal()
        }
        thread.name = "kafka-group-\(group)"
        thread.start()
    }

    func committedOffsets(topics: [String], partition: Int) -> [String: Int64] {
        let partitions = topics.map { TopicPartition(topic: $0, partition: Int32(partition)) }
        var found: [String: Int64] = [:]
        for (key, offset) in consumer.committed(partitions) { found[key.topic] = offset }
        return found
    }

    func commit(_ offsets: [String: Int64], partition: Int) throws {
        var list: [TopicPartition: Int64] = [:]
        for (topic, offset) in offsets { list[TopicPartition(topic: topic, partition: Int32(partition))] = offset }
        try consumer.commit(list)
    }

    func leave() {
        stop.set()
        consumer.wake()
        stopped.wait()
        consumer.close()
    }
}
