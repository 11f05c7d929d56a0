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
            DecodingReader(inner: try raw.makeReader(context), context: context, makeDecode: makeDecode, keepsDeadLetters: onBadRecord.sink != nil,
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
