import Foundation
public import Stream

/// Where a Kafka record that cannot be decoded goes.
public enum KafkaBadRecords: Sendable {
    /// Stop the job with an error naming the step, topic, partition and offset, and the record.
    case fail
    /// Append the record (original bytes in base64), where it was and why to this JSON-lines file, and go on.
    case deadLetter(path: String)
}

extension Source {
    /// `topics` with JSON values (see ``Source/kafka(_:bootstrapServers:group:properties:watermark:untilEnd:maxBatch:)``
    /// for reading, consumer groups, positions and event time), decoded with ``JSONRecordDecoder``
    /// (what `JSONDecoder` gives, several times faster). A record that does not decode stops the job
    /// naming topic, partition and offset — or goes to a dead-letter file with the reason and
    /// the original bytes.
    ///
    /// ```swift
    /// job.source("clicks", .kafkaJSON(["clicks"], as: Click.self, bootstrapServers: servers,
    ///                                 onBadRecord: .deadLetter(path: "out/bad-clicks.jsonl")))
    /// ```
    public static func kafkaJSON(_ topics: [String], as type: Value.Type, bootstrapServers: String, group: String? = nil,
                                 properties: [String: String] = [:], watermark: WatermarkStrategy? = nil,
                                 timestamp: (@Sendable (Value) -> Int64)? = nil, untilEnd: Bool = false,
                                 onBadRecord: KafkaBadRecords = .fail, onLostRecords: KafkaLostRecords = .fail) -> Source<Value> where Value: Decodable {
        decoded(topics, bootstrapServers: bootstrapServers, group: group, properties: properties, watermark: watermark, timestamp: timestamp, untilEnd: untilEnd,
                onBadRecord: onBadRecord, onLostRecords: onLostRecords) {
            let decoder = SequentialJSONDecoder()
            return { bytes in try decoder.decode(Value.self, from: bytes) }
        }
    }

    /// `topics` with one CSV line (no header) per value.
    public static func kafkaCSV(_ topics: [String], as type: Value.Type, bootstrapServers: String, group: String? = nil,
                                properties: [String: String] = [:], watermark: WatermarkStrategy? = nil,
                                timestamp: (@Sendable (Value) -> Int64)? = nil, untilEnd: Bool = false,
                                onBadRecord: KafkaBadRecords = .fail, onLostRecords: KafkaLostRecords = .fail) -> Source<Value> where Value: CSVDecodable {
        decoded(topics, bootstrapServers: bootstrapServers, group: group, properties: properties, watermark: watermark, timestamp: timestamp, untilEnd: untilEnd,
                onBadRecord: onBadRecord, onLostRecords: onLostRecords) {
            let splitter = CSVFieldSplitter()
            return { bytes in
                let line = bytes.last == 10 ? Array(bytes.dropLast()) : bytes
                guard let value = try line.withUnsafeBufferPointer({ try splitter.withRow($0, { try Value(csv: $0) }) }) else {
                    throw CSVFieldError("a quoted field is not closed")
                }
                return value
            }
        }
    }

    /// `topics` with UTF-8 text values (a value that is not valid UTF-8 is a bad record).
    public static func kafkaText(_ topics: [String], bootstrapServers: String, group: String? = nil,
                                 properties: [String: String] = [:], watermark: WatermarkStrategy? = nil, untilEnd: Bool = false,
                                 onBadRecord: KafkaBadRecords = .fail, onLostRecords: KafkaLostRecords = .fail) -> Source<String> where Value == String {
        decoded(topics, bootstrapServers: bootstrapServers, group: group, properties: properties, watermark: watermark, timestamp: nil, untilEnd: untilEnd,
                onBadRecord: onBadRecord, onLostRecords: onLostRecords) { { bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else { throw CSVFieldError("not valid UTF-8") }
            return text
        } }
    }

    /// With `timestamp` (and `watermark`), event time comes from the decoded value instead of the
    /// Kafka timestamp, still with a watermark per partition.
    static func decoded(_ topics: [String], bootstrapServers: String, group: String?, properties: [String: String],
                        watermark: WatermarkStrategy?, timestamp: (@Sendable (Value) -> Int64)?, untilEnd: Bool, onBadRecord: KafkaBadRecords,
                        onLostRecords: KafkaLostRecords,
                        makeDecode: @escaping @Sendable () -> ([UInt8]) throws -> Value) -> Source<Value> {
        let payloadTime = timestamp.flatMap { extract in watermark.map { (timestamp: extract, strategy: $0) } }
        let raw = Source<KafkaRecord>.kafka(topics, bootstrapServers: bootstrapServers, group: group, properties: properties,
                                            watermark: payloadTime == nil ? watermark : nil, untilEnd: untilEnd, onLostRecords: onLostRecords)
        return Source("\(raw.describe), decoded", providesEventTime: watermark != nil, idleTimeout: watermark?.idleTimeout,
                      isPartitioned: true, deadLetters: onBadRecord.sink, group: raw.group) { context in
            DecodingReader(inner: try raw.makeReader(context), context: context, decode: makeDecode(), keepsDeadLetters: onBadRecord.sink != nil,
                           payloadTime: payloadTime)
        }
    }
}

extension KafkaBadRecords {
    /// The dead-letter file's sink, if there is one.
    var sink: Sink<[UInt8]>? {
        guard case .deadLetter(let path) = self else { return nil }
        return .deadLetterFile(path)
    }
}

/// Decodes each batch's values, keeping each good record's event time.
///
/// `@unchecked Sendable` is safe: the job's driver calls it one call at a time, and `decode`
/// (which may keep state from one record to the next) is called only from `next`.
final class DecodingReader<Value: Sendable>: SourceReader, @unchecked Sendable {
    /// How often the partitions' event time goes to the console.
    private var console = ConsoleThrottle()
    let inner: any SourceReader<KafkaRecord>
    /// `inner` when it reads Kafka itself (not, say, an exchange): its offsets and held
    /// partitions are read directly.
    private let kafka: KafkaSourceReader?
    let context: SourceContext
    let decode: ([UInt8]) throws -> Value
    /// Bad records since the engine last took them, as dead-letter lines (with a destination).
    private var deadLetters: [[UInt8]]?
    /// Event time from the decoded value, when the source takes it from there.
    private let timestamp: (@Sendable (Value) -> Int64)?
    private var payloadWatermarks: PayloadWatermarks?

    init(inner: any SourceReader<KafkaRecord>, context: SourceContext, decode: @escaping ([UInt8]) throws -> Value,
         keepsDeadLetters: Bool, payloadTime: (timestamp: @Sendable (Value) -> Int64, strategy: WatermarkStrategy)? = nil) {
        self.inner = inner
        kafka = inner as? KafkaSourceReader
        self.context = context
        self.decode = decode
        deadLetters = keepsDeadLetters ? [] : nil
        timestamp = payloadTime?.timestamp
        if let payloadTime {
            payloadWatermarks = PayloadWatermarks(strategy: payloadTime.strategy,
                                                  restoring: context.restoredPosition.flatMap(KafkaPosition.init), now: context.run.now())
        }
    }

    func takeDeadLetters() -> [[UInt8]] {
        guard let lines = deadLetters, !lines.isEmpty else { return [] }
        deadLetters = []
        return lines
    }

    var position: String? {
        guard let payloadWatermarks else { return inner.position }
        // The Kafka reader's offsets as they are: its position as text would be parsed again.
        if let kafka { return payloadWatermarks.position(kafka.offsets) }
        return payloadWatermarks.position(inner.position)
    }

    func checkpoint(_ barrier: CheckpointBarrier, at position: String) { inner.checkpoint(barrier, at: position) }

    func next() async throws -> RecordBatch<Value>? {
        guard let batch = try await inner.next() else { return nil }
        let now = context.run.now()
        if let held = kafka?.heldPartitions { payloadWatermarks?.hold(held, now: now) }
        var values: [Value] = []
        var timestamps: [Int64] = []
        var watermarks: [Int64] = []
        values.reserveCapacity(batch.count)
        let timed = batch.hasEventTime
        for index in batch.values.indices {
            let record = batch.values[index]
            do {
                let value = try decode(record.value ?? [])
                values.append(value)
                if let timestamp, payloadWatermarks != nil {
                    let time = timestamp(value)
                    watermarks.append(payloadWatermarks!.observe(time, topic: record.topic, partition: record.partition, now: now))
                    timestamps.append(time)
                }
            } catch {
                let text = String(decoding: record.value ?? [], as: UTF8.self)
                guard deadLetters != nil else {
                    throw StreamError(.badRecord, step: context.stepID, action: "decode", position: record.position, record: text,
                                      message: "\(error)")
                }
                deadLetters!.append(try DeadLetterLine.recordLine(step: context.stepID, position: record.position, bytes: record.value ?? [],
                                                                  reason: "\(error)"))
                continue
            }
            if timed {
                timestamps.append(batch.timestamps[index])
                watermarks.append(batch.watermarks[index])
            }
        }
        if payloadWatermarks != nil {
            if console.isDue(at: now) {
                context.run.progress.partitions(of: context.stepID, payloadWatermarks!.progress(source: context.stepID, now: now))
            }
            return RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: payloadWatermarks!.end(now: now))
        }
        return timed || batch.endWatermark > EventTime.beginning
            ? RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: batch.endWatermark)
            : RecordBatch(values: values)
    }
}
