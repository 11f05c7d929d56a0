/// A stateful keyed step (a ``KeyedProcessFunction``) on ``KeyedRangeOperator``: each range's
/// function and timers in a ``ProcessRange`` actor; what the ranges emit for a batch put in
/// stream order (by the record or timer that caused it). State and timers are checkpointed per
/// range with the key groups each covered, and re-split by key group on another parallelism.
@usableFromInline
struct ProcessLogic<Function: KeyedProcessFunction>: KeyedRangeLogic {
    @usableFromInline typealias Key = Function.Key
    @usableFromInline typealias Input = Function.Input
    @usableFromInline typealias Range = ProcessRange<Function>
    @usableFromInline typealias Part = ProcessOutput<Key, Function.Output>
    @usableFromInline typealias Merged = RecordBatch<Function.Output>
    @usableFromInline typealias Snapshot = ProcessSnapshot<Key, Function.State>

    @usableFromInline let id: String
    @usableFromInline let key: @Sendable (Input) -> Key
    @usableFromInline let downstream: BatchReceiver<Function.Output>

    /// Processing-time timers may be due on a heartbeat.
    @inlinable static var callsRangesOnHeartbeats: Bool { true }

    /// The running step: one function per range, each made by `make` from its part of the state
    /// (empty on a fresh start).
    @inlinable
    static func makeOperator(id: String, context: RunContext, keyed: KeyedStream<Key, Input>,
                             make: @escaping @Sendable (KeyedState<Key, Function.State>) throws -> Function,
                             downstream: BatchReceiver<Function.Output>) throws -> KeyedRangeOperator<ProcessLogic> {
        let groups = keyed.keyGroups
        let groupRanges = groups.ranges(parallelism: context.runtime.workerCount)
        let parts = try restoredCheckpoint(id: id, context: context)?.split(into: groupRanges, keyGroups: groups)
            ?? groupRanges.map { _ in ProcessSnapshot(state: KeyedState(keyGroups: groups), timers: TimerQueue()) }
        let start = try parts.map { part -> Range.Snapshot in
            do {
                return (Range.Initial(function: try make(part.state), timers: part.timers), groups)
            } catch {
                throw StreamError(.userFunction, step: id, action: "make operator", message: "\(error)")
            }
        }
        return try KeyedRangeOperator(logic: ProcessLogic(id: id, key: keyed.key, downstream: downstream), context: context,
                                      keyGroups: groups, groupRanges: groupRanges, start: start)
    }

    /// The step's restored state: as it was written, or converted from the older type the
    /// checkpoint holds when the state type is a ``MigratableState`` of it.
    @usableFromInline
    static func restoredCheckpoint(id: String, context: RunContext) throws -> ProcessCheckpoint<Key, Function.State>? {
        let signature = StateSignature.keyedState(Key.self, Function.State.self)
        if let written = context.restored?.manifest.steps?[id]?.schema, written != signature.schema,
           signature.accepts?.contains(written) == true, let migratable = Function.State.self as? any MigratableState.Type {
            return try migrate(migratable, id: id, context: context)
        }
        return try context.registerState(ProcessCheckpoint<Key, Function.State>.self, for: id)
    }

    @usableFromInline
    static func migrate<Migrating: MigratableState>(_ type: Migrating.Type, id: String, context: RunContext) throws
    -> ProcessCheckpoint<Key, Function.State>? {
        try context.registerState(ProcessCheckpoint<Key, Migrating.Old>.self, for: id)?.migrated { old in
            // `Migrating` is `Function.State` (the caller checked), so the cast cannot fail.
            Migrating(migrating: old) as! Function.State
        }
    }

    @inlinable
    init(id: String, key: @escaping @Sendable (Input) -> Key, downstream: BatchReceiver<Function.Output>) {
        self.id = id
        self.key = key
        self.downstream = downstream
    }

    @inlinable
    static func process(_ range: inout Range, _ part: RangeBatch<Key, Input>, _ batch: BatchInfo<Input>) -> Part {
        range.process(part, timeline: batch.timeline, endWatermark: batch.endWatermark, now: batch.now)
    }

    /// Every event-time timer fires, as the watermark reaches the end of time.
    @inlinable
    static func finish(_ range: inout Range, _ batch: BatchInfo<Input>) -> Part {
        range.process(RangeBatch(), timeline: batch.timeline, endWatermark: EventTime.end, now: batch.now)
    }

    /// Orders what the ranges emitted by the record or timer that caused it, and gives each the
    /// watermark at its place: a record's output the watermark before that record; a timer's
    /// output the watermark before the step that made it due — as Flink fires timers and emits
    /// their output before passing the new watermark on — so what a timer emits is judged
    /// downstream as on time, not against the watermark that fired it.
    @inlinable
    static func merge(_ parts: [Part], _ batch: BatchInfo<Input>) -> Merged {
        let entries = OutputOrder.merged(parts.map(\.order))
        let before = batch.records.watermarks
        let end = batch.endWatermark
        var values: [Function.Output] = []
        var timestamps: [Int64] = []
        var watermarks: [Int64] = []
        values.reserveCapacity(entries.count)
        for entry in entries {
            values.append(parts[entry.range].values[entry.index])
            timestamps.append(parts[entry.range].timestamps[entry.index])
            let offset = parts[entry.range].order[entry.index].position - batch.firstPosition
            // A record's output, and a timer made due by the step after a record: the watermark before
            // that record. A timer due before the batch's first record, or in an empty batch: the
            // watermark the batch before ended with.
            watermarks.append(offset >= 0 && offset < before.count ? before[offset] : batch.previousWatermark)
        }
        return RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: end)
    }

    @inlinable
    static func snapshot(_ range: Range) -> Snapshot { range.checkpointState() }

    @inlinable
    func deliver(_ merged: Merged) async throws -> Int {
        // An empty batch goes on too: a heartbeat, so the keyed steps downstream deliver what they hold.
        try await downstream.consume(merged)
        return merged.count
    }

    @inlinable
    func store(_ snapshots: [Snapshot], ranges: [Swift.Range<Int>], in barrier: CheckpointBarrier) {
        barrier.store(ProcessCheckpoint(ranges: ranges, parts: snapshots), for: id)
    }

    @inlinable
    func checkpointDownstream(_ barrier: CheckpointBarrier) async throws {
        try await downstream.checkpoint(barrier)
    }

    @inlinable
    func finishDownstream() async throws {
        try await downstream.finish()
    }

    @inlinable
    func heartbeatDownstream(watermark: Int64) async throws {
        try await downstream.consume(RecordBatch(values: [], timestamps: [], watermarks: [], endWatermark: watermark))
    }
}
