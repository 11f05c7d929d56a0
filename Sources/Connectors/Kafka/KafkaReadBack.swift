/// Reads partitions of a topic from given offsets to their true end, for a sink restored from a
/// checkpoint to find what it wrote after it. It does not trust the end offset a broker reports
/// (a broker can report a stale one): each partition is read until the end offset known is
/// passed *and* a fetch at the partition's end comes back empty (librdkafka's end-of-partition
/// event). Partitions that look empty are read too.
///
/// ```swift
/// let found = try KafkaReadBack(topic: "counts", properties: ["bootstrap.servers": servers])
///     .read(from: [0: 120, 1: 98], knownEnds: [0: 130, 1: 98]) { record in print(record.offset) }
/// ```
struct KafkaReadBack {
    let topic: String
    let properties: [String: String]
    var timeout: Duration = .seconds(60)

    /// Calls `body` with every record of each partition in `starts` from its offset on, until
    /// past `knownEnds` (at least) and at the partition's end.
    func read(from starts: [Int32: Int64], knownEnds: [Int32: Int64], _ body: (KafkaRecord) -> Void) throws {
        guard !starts.isEmpty else { return }
        let consumer = try RDKafkaConsumer(properties: properties.merging(["enable.partition.eof": "true"]) { _, new in new })
        try consumer.assign(starts.map { (topic, $0.key, $0.value) })
        var next = starts
        var open = Set(starts.keys)
        let deadline = ContinuousClock.now + timeout
        while !open.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(action: "reading back \(topic)", message: "timed out before the end of partitions \(open.sorted())")
            }
            let (records, errors) = consumer.poll(max: 1024, timeout: .milliseconds(100), reportingEnds: true)
            for record in records {
                body(record)
                next[record.partition] = record.offset + 1
            }
            for error in errors {
                if error.code == "_PARTITION_EOF", let partition = error.partition?.partition, let end = error.offset {
                    // Where the fetch found nothing more: done if the records known to be there were read.
                    if end >= knownEnds[partition] ?? 0, end >= next[partition] ?? 0 { open.remove(partition) }
                } else if error.code == "_FATAL" || error.code == "_AUTO_OFFSET_RESET" {
                    throw error
                }
            }
        }
    }
}
