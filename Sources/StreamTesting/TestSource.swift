import Synchronization
public import Stream

extension Source {
    /// Reads `records` in batches of `batchSize`: a bounded source for tests.
    ///
    /// ```swift
    /// job.source("events", .records([e1, e2, e3], batchSize: 2))
    /// ```
    public static func records(_ records: [Value], batchSize: Int = 1024) -> Source<Value> {
        Source("\(records.count) records") { _ in RecordsReader(records: records, batchSize: max(1, batchSize)) }
    }
}

final class RecordsReader<Value: Sendable>: SourceReader {
    private let records: [Value]
    private let batchSize: Int
    private let offset = Mutex(0)

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
