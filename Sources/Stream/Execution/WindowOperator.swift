public import Logging

/// Runs a keyed window step: routes each batch by key group to the range actors, merges their
/// emissions into stream order in a task, and forwards results and late records downstream in
/// order. At most ``InFlightMerges``' bound of batches are in flight; the driver waits for the oldest beyond
/// that (back-pressure to the source).
///
/// `@unchecked Sendable` is safe: `position` and `inFlight` are touched only by `consume` and
/// `finish`, which the job's driver calls one at a time, in order.
@usableFromInline
final class WindowOperator<Key: StableHashable, Value: Sendable, Agg: Aggregator>: @unchecked Sendable
where Agg.Input == Value {
    @usableFromInline typealias Results = RecordBatch<WindowResult<Key, Agg.Output>>
    @usableFromInline typealias Merged = (results: Results, late: RecordBatch<Value>, openWindows: Int)

    @usableFromInline let id: String
    @usableFromInline let context: RunContext
    @usableFromInline let keyed: KeyedStream<Key, Value>
    @usableFromInline let ranges: [ActorRef<WindowRange<Key, Agg>>]
    @usableFromInline let rangeOfGroup: [Int]
    @usableFromInline let results: BatchReceiver<WindowResult<Key, Agg.Output>>
    @usableFromInline let late: BatchReceiver<Value>?
    @usableFromInline var position = 0
    /// The end watermark of the last batch handed to the ranges.
    @usableFromInline var lastWatermark = EventTime.beginning
    @usableFromInline var inFlight = InFlightMerges<Merged>()
    @usableFromInline let metrics: StepMetrics
    @usableFromInline let gauges: OperatorGauges

    @inlinable
    init(id: String, context: RunContext, keyed: KeyedStream<Key, Value>, initial: KeyedWindowState<Key, Agg>,
         results: BatchReceiver<WindowResult<Key, Agg.Output>>, late: BatchReceiver<Value>?) throws {
        self.id = id
        self.context = context
        self.keyed = keyed
        self.results = results
        self.late = late
        metrics = StepMetrics(step: id)
        gauges = OperatorGauges(step: id)
        let groupRanges = keyed.keyGroups.ranges(parallelism: context.runtime.workerCount)
        rangeOfGroup = keyed.keyGroups.rangeIndexOfGroup(in: groupRanges)
        let states = try Self.initialStates(id: id, context: context, initial: initial, ranges: groupRanges)
        ranges = try states.map { try context.runtime.actor(WindowRange<Key, Agg>.self, restoring: $0) }
    }

    /// One state per range: fresh, or the restored checkpoint's split by key group.
    @usableFromInline
    static func initialStates(id: String, context: RunContext, initial: KeyedWindowState<Key, Agg>,
                              ranges: [Range<Int>]) throws -> [KeyedWindowState<Key, Agg>] {
        let checkpointable = initial as? any CheckpointableWindowState
        if checkpointable == nil && (context.options.takesCheckpoints || context.restored != nil) {
            throw StreamError(.invalidJob, step: id, action: "checkpoint",
                              message: "the window's state cannot be checkpointed: make its key (\(Key.self)) and accumulator (\(Agg.Accumulator.self)) Codable")
        }
        guard let checkpointable, let bytes = context.registerState(for: id) else {
            return ranges.map { _ in initial }
        }
        return try checkpointable.decodeSplit(bytes, ranges: ranges, step: id).map { $0 as! KeyedWindowState<Key, Agg> }
    }

    @inlinable
    func receiver() throws -> BatchReceiver<Value> {
        BatchReceiver(consume: { try await self.consume($0) }, finish: { try await self.finish() },
                      checkpoint: { try await self.checkpoint($0) })
    }

    /// Sends every batch in flight downstream, stores the ranges' states, and passes the barrier on.
    @usableFromInline
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        try await forward(waitingFor: inFlight.count)
        var states: [any Sendable] = []
        for range in ranges { states.append(try await range.call { $0.state }.value) }
        if let first = states.first as? any CheckpointableWindowState {
            let kind = type(of: first)
            let groups = keyed.keyGroups
            let id = id
            barrier.store(for: id) { [states] in try kind.encodeMerged(states, keyGroups: groups, step: id) }
        }
        barrier.note(watermark: lastWatermark)
        try await results.checkpoint(barrier)
        try await late?.checkpoint(barrier)
    }

    @inlinable
    func consume(_ batch: RecordBatch<Value>) async throws {
        // An empty batch (a heartbeat) that does not move the watermark only delivers what is done.
        guard batch.count > 0 || batch.endWatermark > lastWatermark else {
            try await forward(waitingFor: inFlight.count)
            return
        }
        guard batch.count == 0 || batch.hasEventTime else {
            throw StreamError(.invalidJob, step: id, action: "window", message: "records reached the window without event time")
        }
        metrics.counted(in: batch.count, out: 0)
        let parts = RangeBatch.split(batch, key: keyed.key, keyGroups: keyed.keyGroups, rangeOfGroup: rangeOfGroup,
                                     ranges: ranges.count, position: position)
        let end = batch.endWatermark
        lastWatermark = max(lastWatermark, end)
        let calls = zip(ranges, parts).map { range, part in range.call { $0.process(part, endWatermark: end) } }
        let timeline = WatermarkTimeline(of: batch, at: position)
        let first = position
        inFlight.append(merge(calls, timeline: timeline, priority: end) { positions in
            let indices = positions.map { $0 - first }
            return RecordBatch(values: indices.map { batch.values[$0] }, timestamps: indices.map { batch.timestamps[$0] },
                               watermarks: indices.map { batch.watermarks[$0] }, endWatermark: end)
        })
        position += batch.count
        try await forward(waitingFor: inFlight.mustWait(afterBatchOf: batch.count))
        gauges.record(inFlight: inFlight.count)
    }

    @inlinable
    func finish() async throws {
        let calls = ranges.map { range in
            range.call { range -> RangeOutput<Key, Agg.Output> in
                var output = RangeOutput<Key, Agg.Output>()
                range.state.advance(to: EventTime.end, into: &output.emissions)
                return output
            }
        }
        inFlight.append(merge(calls, timeline: WatermarkTimeline(firstPosition: position, watermarks: []), priority: .max) { _ in
            RecordBatch(values: [])
        })
        try await forward(waitingFor: inFlight.count)
        try await results.finish()
        try await late?.finish()
    }

    /// A task that puts the ranges' emissions into stream order and gathers the late records;
    /// its priority is the batch's watermark, so earlier windows' merges run first.
    @inlinable
    func merge(
        _ calls: [TaskRef<RangeOutput<Key, Agg.Output>>], timeline: WatermarkTimeline, priority: Int64,
        lateRecords: @escaping @Sendable ([Int]) -> RecordBatch<Value>
    ) -> TaskRef<Merged> {
        context.runtime.submit(afterAll: calls, options: TaskOptions(priority: priority)) { outputs in
            let emissions = outputs.count == 1 ? outputs[0].emissions : outputs.flatMap(\.emissions)
            let ordered = WindowEmission.streamOrder(emissions, firingPosition: timeline.firingPosition)
            let latePositions = outputs.flatMap(\.latePositions).sorted()
            return (RecordBatch(values: ordered.map(\.result)), lateRecords(latePositions), outputs.reduce(0) { $0 + $1.openWindows })
        }
    }

    /// Sends finished merges downstream in order: every one already done, and at least `count`
    /// (waiting for them).
    @inlinable
    func forward(waitingFor count: Int) async throws {
        var mustWait = count
        while let head = inFlight.next(mustWait: &mustWait) {
            let merged = try await gauges.waiting(for: head, progress: context.progress)
            metrics.counted(in: 0, out: merged.results.count)
            gauges.record(openWindows: merged.openWindows, progress: context.progress)
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
        }
    }
}
