public import Logging

/// A keyed window step on ``KeyedRangeOperator``: each range's panes in a ``WindowRange``
/// actor; a batch's emissions put in the order one operator reading the stream would give,
/// with the records late for all their windows gathered; results and late records delivered to
/// their two streams. Window state is checkpointed as one snapshot over every key group.
@usableFromInline
struct WindowLogic<Key: StableHashable, Value: Sendable, Agg: Aggregator>: KeyedRangeLogic where Agg.Input == Value {
    @usableFromInline typealias Input = Value
    @usableFromInline typealias Range = WindowRange<Key, Agg>
    @usableFromInline typealias Part = RangeOutput<Key, Agg.Output>
    @usableFromInline typealias Snapshot = KeyedWindowState<Key, Agg>

    /// A batch's window results in stream order, its late records, and the windows still open.
    @usableFromInline
    struct Merged: Sendable {
        @usableFromInline let results: RecordBatch<WindowResult<Key, Agg.Output>>
        @usableFromInline let late: RecordBatch<Value>
        @usableFromInline let openWindows: Int
        @usableFromInline let watermark: Int64
        @usableFromInline let nextWindowEnd: Int64?

        @inlinable
        init(results: RecordBatch<WindowResult<Key, Agg.Output>>, late: RecordBatch<Value>, openWindows: Int, watermark: Int64,
             nextWindowEnd: Int64?) {
            self.results = results
            self.late = late
            self.openWindows = openWindows
            self.watermark = watermark
            self.nextWindowEnd = nextWindowEnd
        }
    }

    @usableFromInline let id: String
    @usableFromInline let key: @Sendable (Value) -> Key
    @usableFromInline let context: RunContext
    @usableFromInline let results: BatchReceiver<WindowResult<Key, Agg.Output>>
    @usableFromInline let late: BatchReceiver<Value>?
    @usableFromInline let gauges: OperatorGauges
    /// The window's length (a session's gap), for the console.
    @usableFromInline let windowLength: Int64

    @inlinable static var callsRangesOnHeartbeats: Bool { false }

    /// The running window step: its ranges start from `initial`, or from the restored checkpoint
    /// split by key group.
    @inlinable
    static func makeOperator(id: String, context: RunContext, keyed: KeyedStream<Key, Value>, initial: KeyedWindowState<Key, Agg>,
                             results: BatchReceiver<WindowResult<Key, Agg.Output>>, late: BatchReceiver<Value>?) throws
    -> KeyedRangeOperator<WindowLogic> {
        let groupRanges = keyed.keyGroups.ranges(parallelism: context.runtime.workerCount)
        let states = try context.registerState(for: id).map { try initial.decodeSplit($0, ranges: groupRanges, step: id) }
            ?? groupRanges.map { _ in initial }
        let logic = WindowLogic(id: id, key: keyed.key, context: context, results: results, late: late, gauges: OperatorGauges(step: id),
                                windowLength: initial.spec.length)
        return try KeyedRangeOperator(logic: logic, context: context, keyGroups: keyed.keyGroups, groupRanges: groupRanges, start: states)
    }

    @inlinable
    init(id: String, key: @escaping @Sendable (Value) -> Key, context: RunContext, results: BatchReceiver<WindowResult<Key, Agg.Output>>,
         late: BatchReceiver<Value>?, gauges: OperatorGauges, windowLength: Int64) {
        self.id = id
        self.windowLength = windowLength
        self.key = key
        self.context = context
        self.results = results
        self.late = late
        self.gauges = gauges
    }

    @inlinable
    static func process(_ range: inout Range, _ part: RangeBatch<Key, Value>, _ batch: BatchInfo<Value>) -> Part {
        range.process(part, endWatermark: batch.endWatermark)
    }

    @inlinable
    static func finish(_ range: inout Range, _ batch: BatchInfo<Value>) -> Part {
        var output = Part()
        range.state.advance(to: EventTime.end, into: &output.emissions)
        return output
    }

    /// Puts the ranges' emissions into stream order and gathers the late records.
    @inlinable
    static func merge(_ parts: [Part], _ batch: BatchInfo<Value>) -> Merged {
        let emissions = parts.count == 1 ? parts[0].emissions : parts.flatMap(\.emissions)
        let ordered = WindowEmission.streamOrder(emissions, firingPosition: batch.timeline.firingPosition)
        let records = batch.records
        let indices = parts.flatMap(\.latePositions).sorted().map { $0 - batch.firstPosition }
        let late = RecordBatch(values: indices.map { records.values[$0] }, timestamps: indices.map { records.timestamps[$0] },
                               watermarks: indices.map { records.watermarks[$0] }, endWatermark: batch.endWatermark)
        return Merged(results: RecordBatch(values: ordered.map(\.result)), late: late, openWindows: parts.reduce(0) { $0 + $1.openWindows },
                      watermark: batch.endWatermark, nextWindowEnd: parts.compactMap(\.nextWindowEnd).min())
    }

    @inlinable
    static func snapshot(_ range: Range) -> Snapshot { range.state }

    @inlinable
    func deliver(_ merged: Merged) async throws -> Int {
        gauges.record(openWindows: merged.openWindows, progress: context.progress)
        context.progress.eventTime.update(window: id, watermark: merged.watermark, nextWindowEnd: merged.nextWindowEnd,
                                          windowLength: windowLength, now: context.now())
        if merged.results.count > 0 { try await results.consume(merged.results) }
        if merged.late.count > 0 {
            gauges.count(late: merged.late.count, progress: context.progress)
            if let late {
                try await late.consume(merged.late)
            } else {
                context.count { $0.lateRecordsUnconnected += merged.late.count }
                Logger(label: "stream.window").warning(
                    "\(merged.late.count) late records in step '\(id)' reach no sink: connect .late to keep them")
            }
        }
        return merged.results.count
    }

    @inlinable
    func store(_ snapshots: [Snapshot], ranges: [Swift.Range<Int>], in barrier: CheckpointBarrier) {
        let id = self.id
        barrier.store(for: id) { try KeyedWindowState.encodeMerged(snapshots, step: id) }
    }

    @inlinable
    func checkpointDownstream(_ barrier: CheckpointBarrier) async throws {
        try await results.checkpoint(barrier)
        try await late?.checkpoint(barrier)
    }

    @inlinable
    func finishDownstream() async throws {
        try await results.finish()
        try await late?.finish()
    }

    @inlinable
    func heartbeatDownstream(watermark: Int64) async throws {
        try await results.consume(RecordBatch(values: []))
    }
}
