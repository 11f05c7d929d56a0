/// Bare librdkafka loops, with none of the engine around them: the baselines `stream-job bench
/// kafka` measures `KafkaSource` and `KafkaSink` against.
public enum KafkaBaseline {
    /// Produces `count` records of `value` round-robin over `partitions` of `topic` (or where
    /// librdkafka's partitioner puts them, when `partitions` is nil), each with `headers`, and
    /// waits until all are delivered.
    public static func produce(count: Int, value: [UInt8], topic: String, partitions: Int?, bootstrapServers: String,
                               headers: [KafkaRecord.Header] = [], properties: [String: String] = [:]) throws {
        let producer = try RDKafkaProducer(properties: properties.merging(["bootstrap.servers": bootstrapServers]) { _, new in new })
        for index in 0..<count {
            try producer.produce(topic: topic, partition: partitions.map { Int32(index % $0) }, key: nil, value: value, headers: headers)
        }
        try producer.flush(timeout: .seconds(120))
    }

    /// Reads every partition of `topic` from the beginning to its end offset; returns the records read.
    public static func consumeAll(topic: String, bootstrapServers: String, properties: [String: String] = [:]) throws -> Int {
        try consume(topic: topic, from: [:], bootstrapServers: bootstrapServers, properties: properties)
    }

    /// Reads every partition of `topic` from the offset in `starts` (the beginning where there is
    /// none) to its end offset; returns the records read.
    public static func consume(topic: String, from starts: [Int32: Int64], bootstrapServers: String,
                               properties: [String: String] = [:]) throws -> Int {
        let consumer = try RDKafkaConsumer(properties: properties.merging(["bootstrap.servers": bootstrapServers]) { _, new in new })
        var remaining: [Int32: Int64] = [:]
        var assignment: [(topic: String, partition: Int32, offset: Int64)] = []
        for partition in try consumer.partitions(of: topic) {
            let end = try consumer.endOffset(topic: topic, partition: partition)
            let start = starts[partition] ?? RDKafkaConsumer.beginning
            guard start != end else { continue }
            remaining[partition] = end
            assignment.append((topic, partition, start))
        }
        guard !assignment.isEmpty else { return 0 }
        try consumer.assign(assignment)
        var read = 0
        while remaining.values.contains(where: { $0 > 0 }) {
            let (records, _) = consumer.poll(max: 8192, timeout: .milliseconds(100))
            read += records.count
            for record in records where record.offset + 1 >= remaining[record.partition] ?? 0 { remaining[record.partition] = 0 }
        }
        return read
    }

    /// A bare consumer that stays connected across reads: every partition of a topic from its
    /// beginning, as many records at a time as asked. For a benchmark that feeds a topic in rounds
    /// and times only the reading.
    ///
    /// ```swift
    /// let reader = try KafkaBaseline.Reader(topic: "clicks", bootstrapServers: kafka.bootstrapServers)
    /// try reader.read(200_000)     // returns once that many more records were read
    /// ```
    ///
    /// `@unchecked Sendable` is safe: the consumer is thread-safe (librdkafka) and `read` is
    /// documented as one call at a time (the benchmark awaits each before the next).
    public final class Reader: @unchecked Sendable {
        private let consumer: RDKafkaConsumer

        public init(topic: String, bootstrapServers: String, properties: [String: String] = [:]) throws {
            consumer = try RDKafkaConsumer(properties: properties.merging(["bootstrap.servers": bootstrapServers]) { _, new in new })
            try consumer.assign(try consumer.partitions(of: topic).map { (topic, $0, RDKafkaConsumer.beginning) })
        }

        /// Reads `count` more records, blocking until it has (call it from a thread of its own);
        /// throws the first error that ends the read.
        public func read(_ count: Int) throws {
            var read = 0
            while read < count {
                let (records, errors) = consumer.poll(max: 8192, timeout: .milliseconds(100))
                if let fatal = errors.first(where: { $0.code == "_FATAL" }) { throw fatal }
                read += records.count
            }
        }
    }

    /// Every record's value in `topic`, each partition read from its oldest record to its true
    /// end: for checking what a benchmark's job wrote.
    public static func values(in topic: String, bootstrapServers: String) throws -> [[UInt8]] {
        let consumer = try RDKafkaConsumer(properties: ["bootstrap.servers": bootstrapServers])
        var starts: [Int32: Int64] = [:]
        var ends: [Int32: Int64] = [:]
        for partition in try consumer.partitions(of: topic) {
            starts[partition] = try consumer.startOffset(topic: topic, partition: partition)
            ends[partition] = try consumer.endOffset(topic: topic, partition: partition)
        }
        var values: [[UInt8]] = []
        try KafkaReadBack(topic: topic, properties: ["bootstrap.servers": bootstrapServers, "fetch.wait.max.ms": "10"])
            .read(from: starts, knownEnds: ends) { values.append($0.value ?? []) }
        return values
    }

    /// Each partition's first and next offsets: what the topic holds now.
    public static func offsets(topic: String, bootstrapServers: String) throws -> [Int32: (start: Int64, end: Int64)] {
        let consumer = try RDKafkaConsumer(properties: ["bootstrap.servers": bootstrapServers])
        var offsets: [Int32: (start: Int64, end: Int64)] = [:]
        for partition in try consumer.partitions(of: topic) {
            offsets[partition] = (try consumer.startOffset(topic: topic, partition: partition), try consumer.endOffset(topic: topic, partition: partition))
        }
        return offsets
    }

    /// The offsets of the partitions' first and next records, summed: how many records the topic holds.
    public static func heldRecords(topic: String, bootstrapServers: String) throws -> Int {
        Int(try offsets(topic: topic, bootstrapServers: bootstrapServers).values.reduce(0) { $0 + $1.end - $1.start })
    }
}

/// A plain Kafka producer for data generators and tests (pipelines write with `Sink.kafka`).
///
/// ```swift
/// let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers)
/// try producer.send(topic: "clicks", key: nil, value: Array(json.utf8))
/// try producer.flush()
/// ```
public final class KafkaProducer: Sendable {
    private let producer: RDKafkaProducer

    public init(bootstrapServers: String, properties: [String: String] = [:]) throws {
        producer = try RDKafkaProducer(properties: properties.merging(["bootstrap.servers": bootstrapServers]) { _, new in new })
    }

    public func send(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?, timestamp: Int64? = nil) throws {
        try producer.produce(topic: topic, partition: partition, key: key, value: value, timestamp: timestamp)
    }

    /// Waits until everything sent is delivered; throws the first failure.
    public func flush(timeout: Duration = .seconds(30)) throws {
        try producer.flush(timeout: timeout)
    }
}
