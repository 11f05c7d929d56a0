/// The reading end of an exchange in a group task: one partition of the repartition topic as a
/// source. Each producing task's records are taken once (by their numbers, see
/// ``ExchangeMessage``), and the watermark is the minimum over the producers that are not idle;
/// each record keeps the lower of that and its producer's own watermark before it, so a record
/// is late exactly when it was late where it was read. The position is the partition's offset
/// with every producer's numbering and watermark, so a restored task goes on exactly.
///
/// `@unchecked Sendable` is safe: the engine calls `next()` from one task at a time, and
/// `position` only between those calls.
final class ExchangeReader<Value: Sendable>: SourceReader, @unchecked Sendable {
    private let endpoint: ExchangeEndpoint
    private let partition: Int
    private let codec: RemoteBatchCodec<Value>
    private let hasEventTime: Bool
    private let inlet: any ExchangeInlet
    private var progress: ExchangePosition

    init(endpoint: ExchangeEndpoint, partition: Int, hasEventTime: Bool, context: SourceContext) throws {
        guard let codec = RemoteBatchCodec<Value>.forRecords else {
            throw StreamError(.invalidJob, step: endpoint.readerID, action: "build", message: "\(Value.self) records cannot go through an exchange")
        }
        self.endpoint = endpoint
        self.partition = partition
        self.codec = codec
        self.hasEventTime = hasEventTime
        if let text = context.restoredPosition {
            guard let restored = ExchangePosition(text) else {
                throw StreamError(.stateful, step: endpoint.readerID, action: "restore", position: text, message: "not an exchange position")
            }
            progress = restored
        } else {
            progress = ExchangePosition()
        }
        inlet = try endpoint.coordination.exchangeInlet(topic: endpoint.topic, partition: partition, from: progress.offset, context: context)
    }

    var position: String? { progress.description }

    func next() async throws -> RecordBatch<Value>? {
        let (messages, nextOffset) = try await inlet.next()
        var values: [Value] = []
        var timestamps: [Int64] = []
        var watermarks: [Int64] = []
        for bytes in messages {
            let message: ExchangeMessage
            let batch: RecordBatch<Value>
            do {
                message = try ExchangeMessage(decoding: bytes)
                batch = try codec.decode(message.batch, endpoint.readerID)
            } catch {
                throw StreamError(.io, step: endpoint.readerID, action: "read", position: "\(endpoint.topic)[\(partition)]@\(progress.offset)",
                                  message: "not a message of this exchange: \(error)")
            }
            let first = try progress.take(message, count: batch.count, step: endpoint.readerID, topic: "\(endpoint.topic)[\(partition)]")
            let others = progress.watermark(excluding: message.producer)
            for index in first..<batch.count {
                values.append(batch.values[index])
                guard hasEventTime, batch.hasEventTime else { continue }
                timestamps.append(batch.timestamps[index])
                watermarks.append(max(progress.watermark, min(others, batch.watermarks[index])))
            }
            progress.heard(message)
        }
        progress.offset = nextOffset
        guard hasEventTime else { return RecordBatch(values: values) }
        return RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: progress.watermark)
    }
}

/// How far an exchange reader got: the partition's next offset, and for each producing task its
/// numbering (epoch, next record number), watermark and idleness; then the reader's watermark.
/// Written `12 | 77:3:1700:0, 77:5:1650:1 | 1650`.
struct ExchangePosition: Equatable {
    struct Producer: Equatable {
        var epoch: Int64 = 0
        var next: Int64 = 0
        var watermark = EventTime.beginning
        var idle = false
    }

    var offset: Int64 = 0
    var producers: [Producer] = []
    /// The watermark of the records read so far (never goes back).
    var watermark = EventTime.beginning

    init() {}

    init?(_ text: String) {
        let parts = text.filter { $0 != " " }.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3, let offset = Int64(parts[0]), let watermark = Int64(parts[2]) else { return nil }
        self.offset = offset
        self.watermark = watermark
        for entry in parts[1].split(separator: ",") {
            let fields = entry.split(separator: ":").map { Int64($0) }
            guard fields.count == 4, let epoch = fields[0], let next = fields[1], let mark = fields[2], let idle = fields[3] else { return nil }
            producers.append(Producer(epoch: epoch, next: next, watermark: mark, idle: idle != 0))
        }
    }

    var description: String {
        let list = producers.map { "\($0.epoch):\($0.next):\($0.watermark):\($0.idle ? 1 : 0)" }.joined(separator: ", ")
        return "\(offset) | \(list) | \(watermark)"
    }

    /// The index of `message`'s first record not taken before (`count` if none is new). Throws
    /// when records between the last taken and the message's first never came: lost, never skipped.
    mutating func take(_ message: ExchangeMessage, count: Int, step: String, topic: String) throws -> Int {
        if producers.count < message.producers {
            producers += Array(repeating: Producer(), count: message.producers - producers.count)
        }
        guard message.producer >= 0, message.producer < producers.count else {
            throw StreamError(.io, step: step, action: "read", position: topic, message: "a message from producer \(message.producer) of \(producers.count)")
        }
        var producer = producers[message.producer]
        if producer.epoch != message.epoch {
            // The producer numbers afresh (it started without its checkpoint): its records are new.
            producer.epoch = message.epoch
            producer.next = 0
        }
        let first = producer.next - message.firstSequence
        guard first >= 0 else {
            throw StreamError(.io, step: step, action: "read", position: topic,
                              message: "records \(producer.next)..<\(message.firstSequence) of producing task \(message.producer) never reached this partition (deleted by the topic's retention?)")
        }
        producer.next = max(producer.next, message.firstSequence + Int64(count))
        producers[message.producer] = producer
        return Int(min(first, Int64(count)))
    }

    /// The minimum watermark over the producers other than `excluded` that are not idle (the
    /// end of time if there are none).
    func watermark(excluding excluded: Int) -> Int64 {
        var lowest = EventTime.end
        for (index, producer) in producers.enumerated() where index != excluded && !producer.idle { lowest = min(lowest, producer.watermark) }
        return lowest
    }

    /// Takes in the message's watermark and idleness, and moves the reader's watermark.
    mutating func heard(_ message: ExchangeMessage) {
        producers[message.producer].watermark = max(producers[message.producer].watermark, message.watermark)
        producers[message.producer].idle = message.idle
        let active = producers.filter { !$0.idle }
        if !active.isEmpty { watermark = max(watermark, active.map(\.watermark).min()!) }
    }
}
