/// Reads batches of records for a source step. Called from one task at a time.
public protocol SourceReader<Value>: AnyObject, Sendable {
    associatedtype Value: Sendable
    /// The next batch, or nil at the end of a bounded input.
    func next() async throws -> RecordBatch<Value>?
}

/// Writes batches of records for a sink step. Called from one task at a time, in order.
public protocol SinkWriter<Value>: AnyObject, Sendable {
    associatedtype Value: Sendable
    func write(_ batch: RecordBatch<Value>) async throws
    /// Flushes and releases what the writer holds; called once at the end of the run.
    func close() async throws
}

/// What a source or sink learns about the step it serves.
public struct SourceContext: Sendable {
    public let stepID: String
    public let run: RunContext
}

public typealias SinkContext = SourceContext

/// Where a source step reads from: made into a reader when the job runs.
///
/// ```swift
/// .csvFile("events.csv", as: Event.self)     // Connectors
/// .records(events)                           // StreamTesting
/// ```
public struct Source<Value: Sendable>: Sendable {
    public let describe: String
    public let makeReader: @Sendable (SourceContext) throws -> any SourceReader<Value>

    public init(_ describe: String, makeReader: @escaping @Sendable (SourceContext) throws -> any SourceReader<Value>) {
        self.describe = describe
        self.makeReader = makeReader
    }
}

/// Where a sink step writes to: made into a writer when the job runs.
public struct Sink<Value: Sendable>: Sendable {
    public let describe: String
    public let makeWriter: @Sendable (SinkContext) throws -> any SinkWriter<Value>

    public init(_ describe: String, makeWriter: @escaping @Sendable (SinkContext) throws -> any SinkWriter<Value>) {
        self.describe = describe
        self.makeWriter = makeWriter
    }
}
