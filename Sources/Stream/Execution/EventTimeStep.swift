/// Gives each record its event time and the watermark before it, from one bounded-disorder
/// watermark over the stream read in order; the watermark is checkpointed under the step's id.
///
/// `@unchecked Sendable` is safe: `clock` is touched only by `consume` and `checkpoint`, which
/// the job's driver calls one at a time.
@usableFromInline
final class EventTimeStep<Value: Sendable>: @unchecked Sendable {
    @usableFromInline let id: String
    @usableFromInline let timestamp: @Sendable (Value) -> Int64
    @usableFromInline let downstream: BatchReceiver<Value>
    @usableFromInline let context: RunContext
    @usableFromInline var clock: BoundedWatermark
    @usableFromInline let gauges: WatermarkGauges
    @usableFromInline let strategy: WatermarkStrategy
    /// When a record last came (processing time, ms), and how often the console hears of it.
    @usableFromInline var lastRecordAt: Int64?
    @usableFromInline var console = ConsoleThrottle()

    @inlinable
    init(id: String, timestamp: @escaping @Sendable (Value) -> Int64, strategy: WatermarkStrategy,
         downstream: BatchReceiver<Value>, context: RunContext) throws {
        self.id = id
        self.timestamp = timestamp
        self.downstream = downstream
        self.context = context
        clock = BoundedWatermark(outOfOrderness: strategy.outOfOrderness)
        self.strategy = strategy
        if let saved = try context.registerState(BoundedWatermark.self, for: id) {
            clock.maxTimestamp = saved.maxTimestamp
            clock.watermark = saved.watermark
        }
        gauges = WatermarkGauges(step: id)
    }

    @inlinable
    var inlet: BatchReceiver<Value> {
        BatchReceiver(consume: { try await self.consume($0) }, finish: downstream.finish,
                      checkpoint: { try await self.checkpoint($0) })
    }

    @inlinable
    func consume(_ batch: RecordBatch<Value>) async throws {
        // By index through a buffer pointer: no iterator copies of the records.
        let timestamps = batch.values.withUnsafeBufferPointer { values in
            [Int64](unsafeUninitializedCapacity: values.count) { out, initialized in
                for index in values.indices { out[index] = timestamp(values[index]) }
                initialized = values.count
            }
        }
        var watermarks = [Int64](repeating: 0, count: batch.count)
        for index in timestamps.indices {
            watermarks[index] = clock.watermark
            clock.observe(timestamps[index])
        }
        let end = clock.watermark
        let now = context.now()
        gauges.record(end, now: now, progress: context.progress)
        if batch.count > 0 { lastRecordAt = now }
        if console.isDue(at: now) { publish(now: now) }
        try await downstream.consume(RecordBatch(values: batch.values, timestamps: timestamps,
                                                 watermarks: watermarks, endWatermark: end))
    }

    /// The stream's event time, as one partition, for the console.
    @usableFromInline
    func publish(now: Int64) {
        let idle = strategy.idleTimeout.map { timeout in now - (lastRecordAt ?? now) >= timeout } ?? false
        context.progress.partitions(of: id, [
            PartitionProgress(source: id, partition: id, maxTimestamp: clock.maxTimestamp == .min ? nil : clock.maxTimestamp,
                              lastRecordAt: lastRecordAt, outOfOrderness: strategy.outOfOrderness, idleTimeout: strategy.idleTimeout, isIdle: idle),
        ])
    }

    @usableFromInline
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        barrier.store(clock, for: id)
        barrier.note(watermark: clock.watermark)
        try await downstream.checkpoint(barrier)
    }
}

/// Gives each record the processing time at which its source read it as its time and watermark.
///
/// `@unchecked Sendable` is safe: `last` is touched only by `consume`, which the job's driver
/// calls one batch at a time.
@usableFromInline
final class ProcessingTimeStep<Value: Sendable>: @unchecked Sendable {
    @usableFromInline let downstream: BatchReceiver<Value>
    @usableFromInline let context: RunContext
    @usableFromInline var last = EventTime.beginning

    @inlinable
    init(downstream: BatchReceiver<Value>, context: RunContext) {
        self.downstream = downstream
        self.context = context
    }

    @inlinable
    var inlet: BatchReceiver<Value> {
        BatchReceiver(consume: { try await self.consume($0) }, finish: downstream.finish, checkpoint: downstream.checkpoint)
    }

    @inlinable
    func consume(_ batch: RecordBatch<Value>) async throws {
        last = max(last, context.arrivalTime)
        let times = [Int64](repeating: last, count: batch.count)
        try await downstream.consume(RecordBatch(values: batch.values, timestamps: times, watermarks: times, endWatermark: last))
    }
}
