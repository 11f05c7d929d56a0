
/// Runs a stateful step: routes each batch by key group to the range actors, merges what they
/// emit into stream order in a task, and forwards it downstream in order, at most
/// ``InFlightMerges``' bound of batches behind (back-pressure to the source).
///
/// `@unchecked Sendable` is safe: `position`, `lastWatermark` and `inFlight` are touched only
/// by `consume`, `finish` and `checkpoint`, which the job's driver calls one at a time.
@usableFromInline
final class ProcessOperator<Function: KeyedProcessFunction>: @unchecked Sendable {
    @usableFromInline typealias Key = Function.Key
    @usableFromInline typealias Output = RecordBatch<Function.Output>

    @usableFromInline let id: String
    @usableFromInline let context: RunContext
    @usableFromInline let key: @Sendable (Function.Input) -> Key
    @usableFromInline let keyGroups: KeyGroups
    @usableFromInline let ranges: [ActorRef<ProcessRange<Function>>]
    @usableFromInline let rangeOfGroup: [Int]
    @usableFromInline let downstream: BatchReceiver<Function.Output>
    @usableFromInline var position = 0
    @usableFromInline var inFlight = InFlightMerges<Output>()
    @usableFromInline let metrics: StepMetrics
    @usableFromInline let gauges: OperatorGauges

    @inlinable
    init(id: String, context: RunContext, keyed: KeyedStream<Key, Function.Input>,
         make: @escaping @Sendable (KeyedState<Key, Function.State>) throws -> Function,
         downstream: BatchReceiver<Function.Output>) throws {
        self.id = id
        self.context = context
        key = keyed.key
        keyGroups = keyed.keyGroups
        self.downstream = downstream
        metrics = StepMetrics(step: id)
        gauges = OperatorGauges(step: id)
        let groupRanges = keyGroups.ranges(parallelism: context.runtime.workerCount)
        rangeOfGroup = keyGroups.rangeIndexOfGroup(in: groupRanges)
        let groups = keyGroups
        let parts: [ProcessSnapshot<Key, Function.State>]
        if let saved = try context.registerState(ProcessCheckpoint<Key, Function.State>.self, for: id) {
            parts = saved.split(into: groupRanges, keyGroups: groups)
        } else {
            parts = groupRanges.map { _ in ProcessSnapshot(state: KeyedState(keyGroups: groups), timers: TimerQueue()) }
        }
        ranges = try parts.map { part in
            let function: Function
            do {
                function = try make(part.state)
            } catch {
                throw StreamError(.userFunction, step: id, action: "make operator", message: "\(error)")
            }
            return try context.runtime.actor(ProcessRange<Function>.self,
                                             restoring: (ProcessRange<Function>.Initial(function: function, timers: part.timers), groups))
        }
    }

    @inlinable
    func receiver() -> BatchReceiver<Function.Input> {
        BatchReceiver(consume: { try await self.consume($0) }, finish: { try await self.finish() },
                      checkpoint: { try await self.checkpoint($0) })
    }

    @inlinable
    func consume(_ batch: RecordBatch<Function.Input>) async throws {
        guard batch.count == 0 || batch.hasEventTime else {
            throw StreamError(.invalidJob, step: id, action: "process", message: "records reached the step without event time")
        }
        metrics.counted(in: batch.count, out: 0)
        let parts = RangeBatch.split(batch, key: key, keyGroups: keyGroups, rangeOfGroup: rangeOfGroup,
                                     ranges: ranges.count, position: position)
        let timeline = WatermarkTimeline(of: batch, at: position)
        try await submit(parts, timeline: timeline, before: batch.watermarks, end: batch.endWatermark)
        position += batch.count
        try await forward(waitingFor: inFlight.mustWait(afterBatchOf: batch.count))
        gauges.record(inFlight: inFlight.count)
    }

    /// At the end of input every event-time timer fires, as the watermark reaches the end of time.
    @inlinable
    func finish() async throws {
        let parts = [RangeBatch<Key, Function.Input>](repeating: RangeBatch(), count: ranges.count)
        try await submit(parts, timeline: WatermarkTimeline(firstPosition: position, watermarks: []), before: [], end: EventTime.end)
        try await forward(waitingFor: inFlight.count)
        try await downstream.finish()
    }

    /// Sends every batch in flight downstream, stores the ranges' state and timers, passes the barrier on.
    @inlinable
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        try await forward(waitingFor: inFlight.count)
        var parts: [ProcessSnapshot<Key, Function.State>] = []
        for range in ranges { parts.append(try await range.call { $0.checkpointState() }.value) }
        barrier.store(ProcessCheckpoint(ranges: keyGroups.ranges(parallelism: ranges.count), parts: parts), for: id)
        try await downstream.checkpoint(barrier)
    }

    /// Calls each range with its part, and queues a task that puts what they emit in stream order.
    @inlinable
    func submit(_ parts: [RangeBatch<Key, Function.Input>], timeline: WatermarkTimeline, before: [Int64], end: Int64) async throws {
        let now = context.now()
        let calls = zip(ranges, parts).map { range, part in
            range.call { $0.process(part, timeline: timeline, endWatermark: end, now: now) }
        }
        let first = timeline.firstPosition
        inFlight.append(context.runtime.submit(afterAll: calls, options: TaskOptions(priority: end)) { outputs in
            var entries: [(order: OutputOrder, range: Int, index: Int)] = []
            for (range, output) in outputs.enumerated() {
                for index in output.order.indices { entries.append((output.order[index], range, index)) }
            }
            entries.sort { $0.order < $1.order }
            var values: [Function.Output] = []
            var timestamps: [Int64] = []
            var watermarks: [Int64] = []
            values.reserveCapacity(entries.count)
            for entry in entries {
                values.append(outputs[entry.range].values[entry.index])
                timestamps.append(outputs[entry.range].timestamps[entry.index])
                let offset = entry.order.position - first
                // Before a record: the watermark before it; after it (a timer): the watermark after it.
                let watermark = entry.order.phase == 0 ? before[offset]
                    : offset < 0 ? timeline.watermarkBefore
                    : offset < timeline.watermarks.count ? timeline.watermarks[offset] : end
                watermarks.append(watermark)
            }
            return RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: end)
        })
    }

    /// Sends finished merges downstream in order: every one already done, and at least `count`.
    @inlinable
    func forward(waitingFor count: Int) async throws {
        var mustWait = count
        while let head = inFlight.next(mustWait: &mustWait) {
            let batch = try await gauges.waiting(for: head, progress: context.progress)
            metrics.counted(in: 0, out: batch.count)
            if batch.count > 0 || batch.endWatermark > EventTime.beginning { try await downstream.consume(batch) }
        }
    }
}
