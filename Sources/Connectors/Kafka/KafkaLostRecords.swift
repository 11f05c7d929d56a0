import Logging
import Stream

/// What a Kafka source does when records it has still to read are gone from the broker: the
/// topic's retention deleted them before the source got to them (a job down for longer than the
/// retention, or reading slower than the topic fills), or the topic was truncated. librdkafka
/// would silently jump to the oldest record left; the source never lets it.
///
/// ```swift
/// .kafka(["clicks"], bootstrapServers: servers, onLostRecords: .skipAndCount)
/// ```
public enum KafkaLostRecords: Sendable {
    /// Stop the job with an error naming the partition and the offsets that are gone.
    case fail
    /// Log the partition and the offsets that are gone, count them (`stream_records_lost_total`,
    /// by step, topic and partition, and the run's `recordsLost`), and go on from the oldest
    /// record the partition still has.
    case skipAndCount
}

/// A partition whose next offset is no longer on the broker, and what to do about it.
struct LostRecords {
    let partition: TopicPartition
    /// The offset the source was to read next.
    let next: Int64
    /// The oldest offset the partition holds now.
    let oldest: Int64

    var place: String { "\(partition.topic)[\(partition.partition)]" }

    /// The error that stops the job, or nil when `policy` lets it go on.
    func failure(under policy: KafkaLostRecords) -> KafkaError? {
        guard oldest > next else {
            // Behind the offset the source had reached: the partition was emptied or the topic
            // made again. Going on from `oldest` would read other records as if they were these.
            return KafkaError(action: "reading \(place)",
                              message: "offset \(next) is past the partition's end (its oldest offset is \(oldest)): was the topic deleted and made again? Restore from an earlier checkpoint or start the job afresh")
        }
        guard case .skipAndCount = policy else {
            return KafkaError(action: "reading \(place)",
                              message: "records at offsets \(next)..<\(oldest) (\(oldest - next)) are gone: the topic's retention deleted them before this source read them. Raise the topic's retention, or pass onLostRecords: .skipAndCount to go on without them, counted")
        }
        return nil
    }

    /// Logs and counts the skipped records.
    func count(step: String, run: RunContext) {
        Logger(label: "stream.kafka").error("\(step): records at offsets \(next)..<\(oldest) of \(place) are gone (the topic's retention deleted them before they were read); skipped \(oldest - next) and going on from \(oldest)")
        run.countLostRecords(Int(oldest - next), step: step, dimensions: [("topic", partition.topic), ("partition", String(partition.partition))])
    }
}
