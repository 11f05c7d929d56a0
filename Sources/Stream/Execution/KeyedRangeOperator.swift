/// A keyed step at run time, whatever it computes: routes each batch by key group to one actor
/// per range of key groups, merges their answers into stream order in a task (whose priority is
/// the batch's watermark, so earlier windows' merges run first), and delivers the merges
/// downstream strictly in order, at most ``InFlightMerges``' bound of batches behind (after
/// that the driver waits: back-pressure to the sources). A checkpoint delivers everything in
/// flight, then takes each range's state through an ordinary actor call. Windows, stateful
/// functions, co-processing and joins are logics on it (``KeyedRangeLogic``).
///
/// The routing (each record's key, hash and key group) is a task, not driver work, so the driver
/// only reads and delivers while the workers route: each batch's routing task runs after the
/// previous batch's (a chain), so the ranges' calls are queued in batch order.
///
/// `@unchecked Sendable` is safe: `position`, `lastWatermark`, `routed` and `inFlight` are
/// touched only by `consume`, `finish` and `checkpoint`, which the job's driver calls one at a
/// time; the routing tasks capture copies of what they read.
@usableFromInline
final class KeyedRangeOperator<Logic: KeyedRangeLogic>: @unchecked Sendable {
    @usableFromInline typealias Key = Logic.Key
    @usableFromInline typealias Input = Logic.Input

    @usableFromInline let logic: Logic
    @usableFromInline let context: RunContext
    @usableFromInline let keyGroups: KeyGroups
    @usableFromInline let groupRanges: [Range<Int>]
    @usableFromInline let rangeOfGroup: [Int]
    @usableFromInline let ranges: [ActorRef<Logic.Range>]
    @usableFromInline var position = 0
    /// The end watermark of the last batch handed to the ranges.
    @usableFromInline var lastWatermark = EventTime.beginning
    @usableFromInline var inFlight = InFlightMerges<Logic.Merged>()
    /// The last routing task: the next one runs after it, so range calls keep batch order.
    @usableFromInline var routed: TaskRef<Void>
    @usableFromInline let metrics: StepMetrics
    @usableFromInline let gauges: OperatorGauges

    /// `start` gives each range's actor its initial state (from the checkpoint, when restoring).
    @inlinable
    init(logic: Logic, context: RunContext, keyGroups: KeyGroups, groupRanges: [Range<Int>],
         start: [Logic.Range.Snapshot]) throws {
        self.logic = logic
        self.context = context
        self.keyGroups = keyGroups
        self.groupRanges = groupRanges
        rangeOfGroup = keyGroups.rangeIndexOfGroup(in: groupRanges)
        metrics = StepMetrics(step: logic.id, progress: context.progress)
        gauges = OperatorGauges(step: logic.id)
        ranges = try start.map { try context.runtime.actor(Logic.Range.self, restoring: $0) }
        routed = context.runtime.put(())
    }

    @inlinable
    var inlet: BatchReceiver<Input> {
        BatchReceiver(consume: { try await self.consume($0) }, finish: { try await self.finish() },
                      checkpoint: { try await self.checkpoint($0) })
    }

    @inlinable
    func consume(_ batch: RecordBatch<Input>) async throws {
        if batch.count == 0 && batch.endWatermark <= lastWatermark && !Logic.callsRangesOnHeartbeats {
            try await forward(waitingFor: inFlight.count)
            try await logic.heartbeatDownstream(watermark: lastWatermark)
            return
        }
        guard batch.count == 0 || batch.hasEventTime else {
            throw StreamError(.invalidJob, step: logic.id, action: "route", message: "records reached the step without event time")
        }
        metrics.counted(in: batch.count, out: 0)
        let (key, keyGroups, rangeOfGroup, ranges) = (logic.key, keyGroups, rangeOfGroup, ranges)
        let (position, previousWatermark, now) = (position, lastWatermark, context.now())
        submitInOrder { () -> BatchRouting in
            let parts = RangeBatch.split(batch, key: key, keyGroups: keyGroups, rangeOfGroup: rangeOfGroup,
                                         ranges: ranges.count, position: position)
            let info = BatchInfo(records: batch, position: position, endWatermark: batch.endWatermark,
                                 previousWatermark: previousWatermark, now: now)
            return (zip(ranges, parts).map { range, part in range.call { Logic.process(&$0, part, info) } }, info)
        }
        lastWatermark = max(lastWatermark, batch.endWatermark)
        self.position += batch.count
        try await forward(waitingFor: inFlight.mustWait(afterBatchOf: batch.count))
        gauges.record(inFlight: inFlight.count)
    }

    /// At the end of input every range fires everything, as the watermark reaches the end of time.
    @inlinable
    func finish() async throws {
        let info = BatchInfo<Input>(endAfter: position, previousWatermark: lastWatermark, now: context.now())
        let ranges = ranges
        submitInOrder { (ranges.map { range in range.call { Logic.finish(&$0, info) } }, info) }
        try await forward(waitingFor: inFlight.count)
        try await logic.finishDownstream()
    }

    /// Delivers every batch in flight, stores the ranges' states, passes the barrier on.
    @inlinable
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        try await forward(waitingFor: inFlight.count)
        var snapshots: [Logic.Snapshot] = []
        for range in ranges { snapshots.append(try await range.call { Logic.snapshot($0) }.value) }
        logic.store(snapshots, ranges: groupRanges, in: barrier)
        barrier.note(watermark: lastWatermark)
        try await logic.checkpointDownstream(barrier)
    }

    /// The range calls for one batch, and the batch as the merge sees it.
    @usableFromInline typealias BatchRouting = (calls: [TaskRef<Logic.Part>], info: BatchInfo<Input>)

    /// Queues a task, after the previous batch's, that makes the range calls for one batch
    /// (`route`) and the task that merges their answers once they are all in; the merge's
    /// result goes in flight, to be delivered in order.
    @inlinable
    func submitInOrder(_ route: @escaping @Sendable () -> BatchRouting) {
        let runtime = context.runtime
        let merged = TaskCell<Logic.Merged>(promiseOn: runtime.scheduler, priority: 0)
        let routing = runtime.submit(after: routed) { _ in
            let (calls, info) = route()
            let merge = runtime.submit(afterAll: calls, options: TaskOptions(priority: info.endWatermark)) { parts in
                Logic.merge(parts, info)
            }
            merge.cell.onComplete { merged.complete(merge.cell.outcome!) }
        }
        // A routing task that never ran (the runtime shut down) fails the merge it would have made.
        routing.cell.onComplete {
            if case .failure(let error)? = routing.cell.outcome { merged.complete(.failure(error)) }
        }
        routed = routing
        inFlight.append(TaskRef(merged))
    }

    /// Delivers finished merges in order: every one already done, and at least `count` (waiting for them).
    @inlinable
    func forward(waitingFor count: Int) async throws {
        var mustWait = count
        while let head = inFlight.next(mustWait: &mustWait) {
            let delivered = try await logic.deliver(try await gauges.waiting(for: head, progress: context.progress))
            metrics.counted(in: 0, out: delivered)
        }
    }
}
