import Foundation
import Stream
import Synchronization

/// An exchange's writer on Kafka: messages produced to the repartition topic's partitions by an
/// idempotent producer, on a lane of its own (producing can wait while librdkafka's queue is full).
final class KafkaExchangeOutlet: ExchangeOutlet {
    private let topic: String
    private let step: String
    private let producer: RDKafkaProducer
    private let lane: BlockingLane

    init(topic: String, step: String, properties: [String: String]) throws {
        self.topic = topic
        self.step = step
        var all = properties
        all["enable.idempotence"] = "true"
        all["linger.ms"] = all["linger.ms"] ?? "5"
        lane = BlockingLane("kafka-exchange-\(step)")
        do {
            producer = try RDKafkaProducer(properties: all)
        } catch let error as KafkaError {
            throw StreamError(.io, step: step, action: "connect", position: topic, message: "\(error)")
        }
    }

    func send(_ messages: [(partition: Int, bytes: [UInt8])]) async throws {
        try await lane.run { [producer, topic, step] in
            do {
                for message in messages {
                    try producer.produce(topic: topic, partition: Int32(message.partition), key: nil, value: message.bytes)
                }
            } catch let error as KafkaError {
                throw StreamError(.io, step: step, action: "produce", position: topic, message: "\(error)")
            }
        }
        if let failure = producer.reports.takeFailures().first {
            throw StreamError(.io, step: step, action: "deliver", position: topic, message: "\(failure)")
        }
    }

    func flush() async throws {
        try await lane.run { [producer, topic, step] in
            do {
                try producer.flush()
            } catch let error as KafkaError {
                throw StreamError(.io, step: step, action: "flush", position: topic, message: "\(error)")
            }
        }
    }
}

/// An exchange's reader on Kafka: one partition of the repartition topic, read by the Kafka
/// source's reader (its poll thread, bounded queue, and records lost to retention reported).
final class KafkaExchangeInlet: ExchangeInlet {
    private let reader: KafkaSourceReader
    /// The offset after the last message returned (shared with nothing: one caller at a time).
    private let next: Mutex<Int64>

    init(topic: String, partition: Int, from offset: Int64, properties: [String: String], context: SourceContext) throws {
        next = Mutex(offset)
        let start = offset == 0 ? "" : "\(topic)[\(partition)]=\(offset)"
        reader = try KafkaSourceReader(topics: [topic], partitions: [Int32(partition)], properties: properties, watermark: nil,
                                       untilEnd: false, maxBatch: 1024, onLostRecords: .fail,
                                       context: SourceContext(stepID: context.stepID, run: context.run, restoredPosition: start))
    }

    func next() async throws -> (messages: [[UInt8]], nextOffset: Int64) {
        guard let batch = try await reader.next() else { return ([], next.withLock { $0 }) }
        let offset = next.withLock { offset in
            if let last = batch.values.last { offset = last.offset + 1 }
            return offset
        }
        return (batch.values.map { $0.value ?? [] }, offset)
    }
}
