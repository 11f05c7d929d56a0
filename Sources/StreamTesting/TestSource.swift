import Synchronization
public import Stream

extension Source {
    /// Reads `records` in batches of `batchSize`: a bounded source for tests.
    ///
    /// ```swift
    /// job.source("events", .records([e1, e2, e3], batchSize: 2))
    /// ```
    public static func records(_ records: [Value], batchSize: Int = 1024) -> Source<Value> {
        Source("\(records.count) records") { context in
            let reader = RecordsReader(records: records, batchSize: max(1, batchSize))
            if let position = context.restoredPosition { reader.offset.withLock { $0 = Int(position) ?? 0 } }
            return reader
        }
    }
}

final class RecordsReader<Value: Sendable>: SourceReader {
    private let records: [Value]
    private let batchSize: Int
    let offset = Mutex(0)

    /// The index of the next record.
    var position: String? { String(offset.withLock { $0 }) }

    init(records: [Value], batchSize: Int) {
        self.records = records
        self.batchSize = batchSize
    }

    func next() async throws -> RecordBatch<Value>? {
        offset.withLock { offset in
            guard offset < records.count else { return nil }
            let end = min(records.count, offset + batchSize)
            defer { offset = end }
            return RecordBatch(values: Array(records[offset..<end]))
        }
    }
}
