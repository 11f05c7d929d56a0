import Stream

/// Event time taken from decoded Kafka values, with a watermark per partition (the minimum over
/// the partitions not idle), as the source does for the Kafka timestamp: each record is judged
/// against its own partition's progress, however the partitions' records interleave. Kept in
/// the source's position (`… @ watermark <wm> topic[p]=<max ts>,…`), so a restore goes on from it.
struct PayloadWatermarks {
    private var tracker: WatermarkTracker
    private var index: [TopicPartition: Int] = [:]
    private var saved: [String: [Int32: Int64]]

    init(strategy: WatermarkStrategy, restoring position: KafkaPosition?, now: Int64) {
        tracker = WatermarkTracker(strategy: strategy, restoring: [:], watermark: position?.watermark ?? EventTime.beginning, now: now)
        saved = position?.maxTimestamps ?? [:]
    }

    /// Follows the partitions the reader holds: new ones hold the watermark back from now on
    /// (from their checkpointed largest time), ones it gave up no longer do.
    mutating func hold(_ partitions: Set<TopicPartition>, now: Int64) {
        for partition in partitions.sorted(by: { ($0.topic, $0.partition) < ($1.topic, $1.partition) }) where index[partition] == nil {
            let number = index.count
            index[partition] = number
            tracker.register(partition: number, maxTimestamp: saved[partition.topic]?[partition.partition] ?? .min, now: now)
        }
        for (partition, number) in index where !partitions.contains(partition) {
            tracker.remove(partition: number)
            index[partition] = nil
        }
    }

    /// The tracker's number for a partition (nil: not held), to look up once per run of its records.
    func number(topic: String, partition: Int32) -> Int? {
        index[TopicPartition(topic: topic, partition: partition)]
    }

    /// The watermark before a record at `timestamp` of the partition numbered `number` (see
    /// ``number(topic:partition:)``); the record then counts.
    mutating func observe(_ timestamp: Int64, partition number: Int?, now: Int64) -> Int64 {
        let before = tracker.watermark
        if let number { tracker.observe(timestamp: timestamp, partition: number, now: now) }
        return before
    }

    /// The partitions' event time, for the console.
    func progress(source: String, now: Int64) -> [PartitionProgress] {
        tracker.progress(source: source, names: Dictionary(uniqueKeysWithValues: index.map { ($0.value, "\($0.key.topic)[\($0.key.partition)]") }), now: now)
    }

    /// The watermark after a batch (idle partitions re-evaluated at `now`).
    mutating func end(now: Int64) -> Int64 { tracker.tick(now: now) }

    /// `offsets` (the reader's position) with this watermark and each partition's largest time.
    func position(_ offsets: String?) -> String? {
        guard let offsets, let position = KafkaPosition(offsets) else { return offsets }
        return self.position(position.offsets)
    }

    /// The same, from the reader's offsets as they are (not parsed from its text).
    func position(_ offsets: KafkaOffsets) -> String {
        var position = KafkaPosition(offsets: offsets)
        position.watermark = tracker.watermark
        let maxima = tracker.maxTimestamps
        for (partition, number) in index { position.maxTimestamps[partition.topic, default: [:]][partition.partition] = maxima[number] ?? .min }
        return position.description
    }
}
