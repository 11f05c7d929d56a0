import CRdKafka
import Foundation
import Stream
import Synchronization

/// A group job's coordination through Kafka: consumer groups assign the tasks, repartition topics
/// carry the exchanges, and the cluster's metadata says how many partitions (tasks) there are.
/// A Kafka source made with `group:` brings one.
///
/// `@unchecked Sendable` is safe: the consumer used for metadata and topic creation is
/// thread-safe (librdkafka) and made once, under the lock.
final class KafkaGroupCoordination: GroupCoordination, @unchecked Sendable {
    private let properties: [String: String]
    private let client = Mutex<RDKafkaConsumer?>(nil)

    /// `properties` include `bootstrap.servers`; the group's own settings (`session.timeout.ms`, …) apply to every member.
    init(properties: [String: String]) {
        self.properties = properties
    }

    /// A consumer for metadata, asked only for all topics at once (see ``RDKafkaClient/topics(timeout:)``).
    private func metadataClient() throws -> RDKafkaConsumer {
        try client.withLock { client in
            if let client { return client }
            let made = try RDKafkaConsumer(properties: properties)
            client = made
            return made
        }
    }

    func partitionCount(of topic: String) throws -> Int {
        let topics: [String: Int]
        do {
            topics = try metadataClient().topics()
        } catch let error as KafkaError {
            throw StreamError(.io, step: topic, action: "plan the group", message: "\(error)")
        }
        guard let count = topics[topic] else {
            throw StreamError(.invalidJob, step: topic, action: "plan the group", message: "the cluster has no such topic")
        }
        return count
    }

    func ensureTopic(_ topic: String, partitions: Int) throws {
        if let existing = try? metadataClient().topics()[topic] {
            guard existing == partitions else {
                throw StreamError(.invalidJob, step: topic, action: "create the exchange topic",
                                  message: "the topic exists with \(existing) partitions, but this job's exchanges need \(partitions) (one per task): delete it, or give the job another name")
            }
            return
        }
        do {
            try KafkaTopicCreation.create(topic, partitions: partitions, properties: properties)
        } catch {
            throw StreamError(.io, step: topic, action: "create the exchange topic",
                              message: "\(error); create it with \(partitions) partitions before starting the job (kafka-topics.sh --create --topic \(topic) --partitions \(partitions))")
        }
    }

    func join(group: String, topic: String, tasks: TaskListener) throws -> any GroupMember {
        do {
            return try KafkaTaskMember(group: group, topic: topic, properties: properties, tasks: tasks)
        } catch let error as KafkaError {
            throw StreamError(.io, step: group, action: "join the group", position: topic, message: "\(error)")
        }
    }

    func exchangeOutlet(topic: String, step: String) throws -> any ExchangeOutlet {
        try KafkaExchangeOutlet(topic: topic, step: step, properties: properties.filter { !Self.consumerOnly.contains($0.key) })
    }

    func exchangeInlet(topic: String, partition: Int, from offset: Int64, context: SourceContext) throws -> any ExchangeInlet {
        var all = properties
        all["auto.offset.reset"] = "error"
        return try KafkaExchangeInlet(topic: topic, partition: partition, from: offset, properties: all, context: context)
    }

    /// Settings a producer refuses (librdkafka warns about consumer settings on a producer).
    private static let consumerOnly: Set<String> = ["session.timeout.ms", "heartbeat.interval.ms", "fetch.wait.max.ms",
                                                    "partition.assignment.strategy", "max.poll.interval.ms", "auto.offset.reset"]
}

/// Creates a topic through librdkafka's admin API, waiting for the answer.
enum KafkaTopicCreation {
    static func create(_ topic: String, partitions: Int, properties: [String: String]) throws {
        let producer = try RDKafkaProducer(properties: properties)
        var error = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(topic, Int32(partitions), -1, &error, error.count) else {
            throw KafkaError(action: "creating topic \(topic)", message: error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        let queue = rd_kafka_queue_new(producer.handle.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(producer.handle.pointer, &topics, 1, nil, queue)
        guard let event = rd_kafka_queue_poll(queue, 5_000) else {
            throw KafkaError(action: "creating topic \(topic)", message: "no answer from the cluster in 5 s (it may not support creating topics)")
        }
        defer { rd_kafka_event_destroy(event) }
        if rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(rd_kafka_event_error(event), action: "creating topic \(topic)")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count), count > 0, let first = results[0] else { return }
        let code = rd_kafka_topic_result_error(first)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
            let message = rd_kafka_topic_result_error_string(first).map { String(cString: $0) } ?? "error \(code.rawValue)"
            throw KafkaError(code, action: "creating topic \(topic)", message: message)
        }
    }
}
