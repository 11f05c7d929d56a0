/// What a keyed step does on top of ``KeyedRangeOperator``: the work of one range of key groups
/// (a window step's panes, a stateful function with its timers), how the ranges' answers for one
/// batch are put in stream order, and where the result goes.
///
/// The range calls and the merge run on the runtime (actors, a task); `deliver` and the
/// downstream calls run on the job's driver, in order.
@usableFromInline
protocol KeyedRangeLogic: Sendable {
    associatedtype Key: StableHashable
    associatedtype Input: Sendable
    /// One range's long-lived state, run as an actor.
    associatedtype Range: RuntimeActor
    /// What one range gives back for its part of a batch.
    associatedtype Part: Sendable
    /// A batch's parts put in stream order: what goes downstream.
    associatedtype Merged: Sendable
    /// One range's state for a checkpoint.
    associatedtype Snapshot: Sendable

    /// The step's id: in errors, metrics and checkpoints.
    var id: String { get }
    /// The key of a record.
    var key: @Sendable (Input) -> Key { get }
    /// Whether an empty batch that does not move the watermark still goes to the ranges (a
    /// processing-time timer may be due); otherwise it only delivers what is done.
    static var callsRangesOnHeartbeats: Bool { get }

    /// One range's work on its part of a batch (in the range's actor).
    static func process(_ range: inout Range, _ part: RangeBatch<Key, Input>, _ batch: BatchInfo<Input>) -> Part
    /// One range's work at the end of the input: every event-time window and timer fires.
    static func finish(_ range: inout Range, _ batch: BatchInfo<Input>) -> Part
    /// The ranges' parts of one batch in stream order (in a task).
    static func merge(_ parts: [Part], _ batch: BatchInfo<Input>) -> Merged
    /// One range's state for a checkpoint (in the range's actor).
    static func snapshot(_ range: Range) -> Snapshot

    /// Sends a merged batch downstream (on the driver, in batch order); returns how many
    /// records went out.
    func deliver(_ merged: Merged) async throws -> Int
    /// Stores the ranges' states (covering `ranges` of key groups) in the barrier.
    func store(_ snapshots: [Snapshot], ranges: [Swift.Range<Int>], in barrier: CheckpointBarrier)
    /// Passes the barrier downstream.
    func checkpointDownstream(_ barrier: CheckpointBarrier) async throws
    /// Ends the input downstream.
    func finishDownstream() async throws
    /// Passes an empty batch downstream (at `watermark`, which it does not move), so the keyed
    /// steps there deliver what they hold too while the input is quiet.
    func heartbeatDownstream(watermark: Int64) async throws
}

/// One batch as the ranges and the merge see it: the records (shared, never copied), where the
/// first one is in the stream, the watermark after each, and the processing time.
@usableFromInline
struct BatchInfo<Input: Sendable>: Sendable {
    @usableFromInline let records: RecordBatch<Input>
    @usableFromInline let timeline: WatermarkTimeline
    @usableFromInline let endWatermark: Int64
    /// The watermark the batch before ended with.
    @usableFromInline let previousWatermark: Int64
    @usableFromInline let now: Int64

    @inlinable
    init(records: RecordBatch<Input>, position: Int, endWatermark: Int64, previousWatermark: Int64, now: Int64) {
        self.records = records
        timeline = WatermarkTimeline(of: records, at: position)
        self.endWatermark = endWatermark
        self.previousWatermark = previousWatermark
        self.now = now
    }

    /// The end of the input, after `position` records.
    @inlinable
    init(endAfter position: Int, previousWatermark: Int64, now: Int64) {
        records = RecordBatch(values: [])
        timeline = WatermarkTimeline(firstPosition: position, watermarks: [])
        endWatermark = EventTime.end
        self.previousWatermark = previousWatermark
        self.now = now
    }

    @inlinable var firstPosition: Int { timeline.firstPosition }
}
