/// One record read from Kafka: where it was, its key, value, headers and timestamp.
public struct KafkaRecord: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: [UInt8]

        public init(name: String, value: [UInt8]) {
            self.name = name
            self.value = value
        }
    }

    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [Header]
    /// Milliseconds since the epoch (the producer's create time or the broker's append time).
    public var timestamp: Int64?

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, headers: [Header] = [], timestamp: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// Where the record was, as the engine writes positions: `topic[partition]@offset`.
    public var position: String { "\(topic)[\(partition)]@\(offset)" }
}
