import Synchronization

extension Stream {
    /// Gives each record its event time (milliseconds since the epoch) and makes watermarks.
    ///
    /// Each record is judged against the watermark made by the records before it, in read
    /// order, so results never depend on batch sizes.
    ///
    /// ```swift
    /// clicks.eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.seconds(5)))
    /// ```
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
                    var timed = batch
                    timed.timestamps = batch.values.map(timestamp)
                    timed.watermarks = [Int64](repeating: 0, count: batch.count)
                    timed.endWatermark = clock.withLock { clock in
                        for index in timed.timestamps.indices {
                            timed.watermarks[index] = clock.watermark
                            clock.observe(timed.timestamps[index])
                        }
                        return clock.watermark
                    }
                    try await downstream.consume(timed)
                },
                finish: downstream.finish
            )
        }
        return output
    }

}
/// The watermark of one partition read in order: the largest timestamp minus the allowed disorder.
struct BoundedWatermark: Sendable {
    let outOfOrderness: Int64
    private(set) var watermark = EventTime.beginning
    private var maxTimestamp = Int64.min

    init(outOfOrderness: Int64) {
        self.outOfOrderness = outOfOrderness
    }

    @inline(__always)
    mutating func observe(_ timestamp: Int64) {
        if timestamp > maxTimestamp {
            maxTimestamp = timestamp
            watermark = timestamp - outOfOrderness
        }
    }
}
