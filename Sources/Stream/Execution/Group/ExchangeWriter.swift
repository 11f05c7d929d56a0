/// The writing end of an exchange in a group task: each batch's records go to the partition of
/// the repartition topic that holds their key group, one message per partition and batch,
/// numbered per partition (see ``ExchangeMessage``). Partitions that got no records still hear
/// of a watermark that moved, and of the input turning idle, so no reader waits on this task
/// for nothing. A checkpoint waits until every message sent is durable, then stores the
/// numbering.
///
/// `@unchecked Sendable` is safe: the job's driver calls the inlet one call at a time, and the
/// mutable fields are touched only from those calls.
final class ExchangeWriter<Value: Sendable>: @unchecked Sendable {
    struct State: Codable, Sendable {
        /// Chosen when the numbering starts afresh: a reader seeing a new epoch knows the numbers
        /// restarted (a producer without its checkpoint) and does not take them for repeats.
        var epoch: Int64
        /// Each partition's next record number, and the watermark last sent to it.
        var sequences: [Int64]
        var sentWatermarks: [Int64]
    }

    private let endpoint: ExchangeEndpoint
    private let producer: Int
    private let producers: Int
    private let codec: RemoteBatchCodec<Value>
    private let keyGroup: @Sendable (Value) -> Int
    private let partitionOfGroup: [Int]
    private let outlet: any ExchangeOutlet
    private let context: RunContext
    private let idleTimeout: Int64?
    private var state: State
    private var lastRecordAt: Int64
    private var idle = false
    private var lastWatermark = EventTime.beginning

    init(endpoint: ExchangeEndpoint, producer: Int, producers: Int, keyGroups: KeyGroups, idleTimeout: Int64?,
         keyGroup: @escaping @Sendable (Value) -> Int, context: RunContext) throws {
        guard let codec = RemoteBatchCodec<Value>.forRecords else {
            throw StreamError(.invalidJob, step: endpoint.writerID, action: "build",
                              message: "\(Value.self) records cannot go through an exchange: make them Codable (or BinaryRecord), or key them by their source's partitions (.keyed(by:partitioning: .sourcePartitions))")
        }
        self.endpoint = endpoint
        self.producer = producer
        self.producers = producers
        self.codec = codec
        self.keyGroup = keyGroup
        self.idleTimeout = idleTimeout
        self.context = context
        partitionOfGroup = keyGroups.rangeIndexOfGroup(in: keyGroups.ranges(parallelism: endpoint.partitions))
        outlet = try endpoint.coordination.exchangeOutlet(topic: endpoint.topic, step: endpoint.writerID)
        let partitions = endpoint.partitions
        state = try context.registerState(State.self, for: endpoint.writerID)
            ?? State(epoch: Int64.random(in: 1...Int64.max), sequences: Array(repeating: 0, count: partitions),
                     sentWatermarks: Array(repeating: EventTime.beginning, count: partitions))
        guard state.sequences.count == partitions else {
            throw StreamError(.stateful, step: endpoint.writerID, action: "restore",
                              message: "the checkpoint numbers \(state.sequences.count) partitions of \(endpoint.topic), which now has \(partitions)")
        }
        lastRecordAt = context.now()
    }

    var inlet: BatchReceiver<Value> {
        BatchReceiver(consume: { try await self.consume($0) }, finish: { try await self.finish() },
                      checkpoint: { try await self.checkpoint($0) })
    }

    private func consume(_ batch: RecordBatch<Value>) async throws {
        let now = context.now()
        lastWatermark = max(lastWatermark, batch.endWatermark)
        var messages: [(partition: Int, bytes: [UInt8])] = []
        if batch.count > 0 {
            let wasIdle = idle
            idle = false
            lastRecordAt = now
            var indices = Array(repeating: [Int](), count: endpoint.partitions)
            for index in batch.values.indices { indices[partitionOfGroup[keyGroup(batch.values[index])]].append(index) }
            for (partition, chosen) in indices.enumerated() {
                if chosen.isEmpty {
                    if wasIdle || lastWatermark > state.sentWatermarks[partition] { messages.append(try message(to: partition, records: nil)) }
                } else {
                    // Messages of a bounded number of records stay well below the brokers' message size
                    // limit. One that is not the batch's last for its partition ends at the watermark
                    // before the next one's first record, not the batch's: readers must not hear of a
                    // watermark beyond records still to come.
                    for start in stride(from: 0, to: chosen.count, by: Self.recordsPerMessage) {
                        let end = min(chosen.count, start + Self.recordsPerMessage)
                        let upTo = end < chosen.count && batch.hasEventTime ? batch.watermarks[chosen[end]] : lastWatermark
                        messages.append(try message(to: partition, records: Self.select(chosen[start..<end], from: batch), watermark: upTo))
                    }
                }
            }
        } else if let timeout = idleTimeout, !idle, now - lastRecordAt >= timeout {
            idle = true
            for partition in 0..<endpoint.partitions { messages.append(try message(to: partition, records: nil)) }
        } else if !idle {
            for partition in 0..<endpoint.partitions where lastWatermark > state.sentWatermarks[partition] {
                messages.append(try message(to: partition, records: nil))
            }
        }
        if !messages.isEmpty { try await outlet.send(messages) }
    }

    /// The message for `partition`: `records` numbered from its next number, or the watermark
    /// alone; it ends at `watermark` (the last one seen, by default).
    private func message(to partition: Int, records: RecordBatch<Value>?, watermark: Int64? = nil) throws -> (partition: Int, bytes: [UInt8]) {
        let watermark = watermark ?? lastWatermark
        let batch = records ?? .empty(endingAt: watermark)
        let encoded = try codec.encode(batch, endpoint.writerID)
        let message = ExchangeMessage(producer: producer, producers: producers, epoch: state.epoch, firstSequence: state.sequences[partition],
                                      idle: idle, watermark: watermark, batch: encoded[...])
        state.sequences[partition] += Int64(batch.count)
        state.sentWatermarks[partition] = max(state.sentWatermarks[partition], watermark)
        return (partition, message.encoded())
    }

    /// The most records one message carries.
    static var recordsPerMessage: Int { 1_024 }

    private static func select(_ indices: ArraySlice<Int>, from batch: RecordBatch<Value>) -> RecordBatch<Value> {
        let values = indices.map { batch.values[$0] }
        guard batch.hasEventTime else { return RecordBatch(values: values) }
        return RecordBatch(values: values, timestamps: indices.map { batch.timestamps[$0] }, watermarks: indices.map { batch.watermarks[$0] },
                           endWatermark: batch.endWatermark)
    }

    /// The end of input: every partition hears that this producer's watermark reached the end
    /// of time (its windows downstream can all fire), and everything sent is made durable.
    private func finish() async throws {
        idle = false
        lastWatermark = EventTime.end
        let messages = try (0..<endpoint.partitions).map { try message(to: $0, records: nil) }
        try await outlet.send(messages)
        try await outlet.flush()
    }

    private func checkpoint(_ barrier: CheckpointBarrier) async throws {
        try await outlet.flush()
        barrier.store(state, for: endpoint.writerID)
    }
}
