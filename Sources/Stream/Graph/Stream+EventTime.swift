public import Synchronization

extension Stream {
    /// Gives each record its event time (milliseconds since the epoch) and makes watermarks.
    ///
    /// Each record is judged against the watermark made by the records before it, in read
    /// order, so results never depend on batch sizes.
    ///
    /// ```swift
    /// clicks.eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.seconds(5)))
    /// ```
    @inlinable
    public func eventTime(
        _ timestamp: @escaping @Sendable (Value) -> Int64,
        watermark strategy: WatermarkStrategy
    ) -> Stream<Value> {
        let id = job.stateName(after: node.step, suffix: "event-time")
        let output: Stream<Value> = derive("eventTime", name: id, hasEventTime: true)
        node.attach { context in
            let downstream = try output.node.receiver(in: context)
            var initial = BoundedWatermark(outOfOrderness: strategy.outOfOrderness)
            if let saved = try context.registerState(BoundedWatermark.self, for: id) {
                initial.maxTimestamp = saved.maxTimestamp
                initial.watermark = saved.watermark
            }
            let clock = Mutex(initial)
            let gauges = WatermarkGauges(step: id)
            return BatchReceiver(
                consume: { batch in
                    let timestamps = batch.values.map(timestamp)
                    var watermarks = [Int64](repeating: 0, count: batch.count)
                    let end = clock.withLock { clock in
                        for index in timestamps.indices {
                            watermarks[index] = clock.watermark
                            clock.observe(timestamps[index])
                        }
                        return clock.watermark
                    }
                    gauges.record(end, now: context.now(), progress: context.progress)
                    try await downstream.consume(RecordBatch(values: batch.values, timestamps: timestamps,
                                                             watermarks: watermarks, endWatermark: end))
                },
                finish: downstream.finish,
                checkpoint: { barrier in
                    let state = clock.withLock { $0 }
                    barrier.store(state, for: id)
                    barrier.note(watermark: state.watermark)
                    try await downstream.checkpoint(barrier)
                }
            )
        }
        return output
    }

}
extension Stream {
    /// Gives each record the processing time at which it arrived (milliseconds since the
    /// epoch, from the job's clock) as its time, and makes that time the watermark: windows
    /// after it are processing-time windows, firing as the clock passes their end. Followed
    /// sources send heartbeats while idle, so windows fire without new records.
    ///
    /// ```swift
    /// requests.processingTime().keyed(by: \.path).window("per-second", .tumbling(.seconds(1))).aggregate(.count())
    /// ```
    @inlinable
    public func processingTime() -> Stream<Value> {
        let output: Stream<Value> = derive("processingTime", hasEventTime: true)
        node.attach { context in
            let downstream = try output.node.receiver(in: context)
            let last = Mutex(EventTime.beginning)
            return BatchReceiver(
                consume: { batch in
                    let now = last.withLock { last in
                        last = max(last, context.now())
                        return last
                    }
                    let times = [Int64](repeating: now, count: batch.count)
                    try await downstream.consume(RecordBatch(values: batch.values, timestamps: times,
                                                             watermarks: times, endWatermark: now))
                },
                finish: downstream.finish,
                checkpoint: downstream.checkpoint
            )
        }
        return output
    }
}

/// The watermark of one partition read in order: the largest timestamp minus the allowed disorder.
@usableFromInline
struct BoundedWatermark: Sendable, Codable {
    @usableFromInline let outOfOrderness: Int64
    @usableFromInline var watermark = EventTime.beginning
    @usableFromInline var maxTimestamp = Int64.min

    @inlinable
    init(outOfOrderness: Int64) {
        self.outOfOrderness = outOfOrderness
    }

    @inlinable
    mutating func observe(_ timestamp: Int64) {
        if timestamp > maxTimestamp {
            maxTimestamp = timestamp
            watermark = timestamp - outOfOrderness
        }
    }
}
