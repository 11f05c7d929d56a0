public import Stream
import Synchronization

extension Source {
    /// `values`, held in memory, in batches of `batchSize`: for generated data and demos. Its
    /// position is the index of the next value, so it restores from checkpoints.
    ///
    /// ```swift
    /// job.source("orders", .collection(generatedOrders))
    /// ```
    public static func collection(_ values: [Value], batchSize: Int = 8_192) -> Source<Value> {
        Source("\(values.count) values in memory") { context in
            var start = 0
            if let position = context.restoredPosition {
                guard let index = Int(position), (0...values.count).contains(index) else {
                    throw StreamError(.stateful, step: context.stepID, action: "restore", position: position, message: "not an index into \(values.count) values")
                }
                start = index
            }
            return CollectionReader(values: values, batchSize: max(1, batchSize), start: start)
        }
    }
}

/// Reads an array in batches; the index of the next value is its position.
final class CollectionReader<Value: Sendable>: SourceReader {
    private let values: [Value]
    private let batchSize: Int
    private let next = Mutex(0)

    init(values: [Value], batchSize: Int, start: Int) {
        self.values = values
        self.batchSize = batchSize
        next.withLock { $0 = start }
    }

    var position: String? { String(next.withLock { $0 }) }

    func next() async throws -> RecordBatch<Value>? {
        next.withLock { index in
            guard index < values.count else { return nil }
            let end = min(values.count, index + batchSize)
            defer { index = end }
            return RecordBatch(values: Array(values[index..<end]))
        }
    }
}
