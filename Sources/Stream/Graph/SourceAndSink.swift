/// Reads batches of records for a source step. Called from one task at a time.
///
/// A source that can be checkpointed says where it is after the last batch it returned
/// (``position``), in its own notation, and starts from such a position when its context has
/// a ``SourceContext/restoredPosition``.
public protocol SourceReader<Value>: AnyObject, Sendable {
    associatedtype Value: Sendable
    /// The next batch, or nil at the end of a bounded input.
    func next() async throws -> RecordBatch<Value>?
    /// Where the source is after the last batch `next()` returned; nil if it cannot resume.
    var position: String? { get }
    /// Called once `position` — a value ``position`` gave after some batch — went into a
    /// checkpoint: a reader that tells an outside system how far it got (a Kafka consumer
    /// group's offsets, say) registers that here with ``CheckpointBarrier/onCommit(_:)``, to run
    /// once the checkpoint is durable. The reader reads ahead of the job, so `next()` may be
    /// running on another task meanwhile: use `position` and thread-safe parts only.
    ///
    /// ```swift
    /// func checkpoint(_ barrier: CheckpointBarrier, at position: String) {
    ///     let reached = Offsets(position)
    ///     barrier.onCommit { try group.commit(reached) }
    /// }
    /// ```
    func checkpoint(_ barrier: CheckpointBarrier, at position: String)
    /// The dead-letter lines (bad records, as the source formats them, without line breaks) that
    /// the last `next()` produced. The engine takes them with that batch and writes them to the
    /// source's ``Source/deadLetters`` sink when it delivers the batch, so they are exactly once
    /// with the rest of the job's output.
    func takeDeadLetters() -> [[UInt8]]
}

extension SourceReader {
    public var position: String? { nil }
    public func checkpoint(_ barrier: CheckpointBarrier, at position: String) {}
    public func takeDeadLetters() -> [[UInt8]] { [] }
}

/// Writes batches of records for a sink step. Called from one task at a time, in order.
public protocol SinkWriter<Value>: AnyObject, Sendable {
    associatedtype Value: Sendable
    func write(_ batch: RecordBatch<Value>) async throws
    /// Flushes and releases what the writer holds; called once at the end of the input (a
    /// final checkpoint may still follow).
    func close() async throws
    /// Stages what was written since the last checkpoint, stores the writer's state in the
    /// barrier and registers the commit (see ``CheckpointBarrier/onCommit(_:)``). A writer
    /// that cannot commit does nothing: its output is at least once.
    func checkpoint(_ barrier: CheckpointBarrier) async throws
}

extension SinkWriter {
    public func checkpoint(_ barrier: CheckpointBarrier) async throws {}
}

/// What a source or sink learns about the step it serves.
public struct SourceContext: Sendable {
    public let stepID: String
    public let run: RunContext
    /// The position to resume from (a source's own notation), when the run restores a checkpoint.
    public let restoredPosition: String?

    public init(stepID: String, run: RunContext, restoredPosition: String? = nil) {
        self.stepID = stepID
        self.run = run
        self.restoredPosition = restoredPosition
    }
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
    /// Whether the source gives its records event time and watermarks itself (a partitioned
    /// source, whose watermark is the minimum over its partitions).
    public let providesEventTime: Bool
    /// When the source makes event time: after how long without records (milliseconds of
    /// processing time) it stops holding back the steps where it meets other streams; nil for never.
    public let idleTimeout: Int64?
    /// Where the reader's dead-letter lines go (see ``SourceReader/takeDeadLetters()``): a sink
    /// of its own, staged and committed with checkpoints like any other; nil if bad records stop
    /// the job.
    public let deadLetters: Sink<[UInt8]>?
    /// Whether the source may read several partitions whose records interleave (Kafka): event
    /// time assigned after it, on the interleaved stream, makes one watermark for all of them.
    public let isPartitioned: Bool
    /// The consumer group the source reads in, if any: a job with such a source runs as a group
    /// of tasks, one per partition, shared by its instances (see ``Job/run(on:clock:options:)``).
    /// Its reader is then made once per task, for partition ``TaskScope/partition`` only.
    public let group: SourceGroup?
    public let makeReader: @Sendable (SourceContext) throws -> any SourceReader<Value>

    public init(_ describe: String, providesEventTime: Bool = false, idleTimeout: Int64? = nil, isPartitioned: Bool = false,
                deadLetters: Sink<[UInt8]>? = nil, group: SourceGroup? = nil,
                makeReader: @escaping @Sendable (SourceContext) throws -> any SourceReader<Value>) {
        self.describe = describe
        self.providesEventTime = providesEventTime
        self.idleTimeout = idleTimeout
        self.isPartitioned = isPartitioned
        self.deadLetters = deadLetters
        self.group = group
        self.makeReader = makeReader
    }
}

/// Where a sink step writes to: made into a writer when the job runs.
public struct Sink<Value: Sendable>: Sendable {
    public let describe: String
    /// The file the sink writes, as an absolute path: no other step may write it.
    public let writesFile: String?
    public let makeWriter: @Sendable (SinkContext) throws -> any SinkWriter<Value>

    public init(_ describe: String, writesFile: String? = nil, makeWriter: @escaping @Sendable (SinkContext) throws -> any SinkWriter<Value>) {
        self.describe = describe
        self.writesFile = writesFile
        self.makeWriter = makeWriter
    }
}
