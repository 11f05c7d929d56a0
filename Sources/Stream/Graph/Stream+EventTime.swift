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
        let output: Stream<Value> = derive("eventTime", hasEventTime: true)
        node.attach { context in
            let downstream = try output.node.receiver(in: context)
            let clock = Mutex(BoundedWatermark(outOfOrderness: strategy.outOfOrderness))
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
                    try await downstream.consume(RecordBatch(values: batch.values, timestamps: timestamps,
                                                             watermarks: watermarks, endWatermark: end))
                },
                finish: downstream.finish
            )
        }
        return output
    }

}
/// The watermark of one partition read in order: the largest timestamp minus the allowed disorder.
@usableFromInline
struct BoundedWatermark: Sendable {
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
