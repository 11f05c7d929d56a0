extension DataStream {
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
    ) -> DataStream<Value> {
        let id = job.stateName(after: step, suffix: "event-time")
        return derive(.eventTime, name: id, hasEventTime: true, idleTimeout: .some(strategy.idleTimeout), builder: StepBuilder { step, build in
            let eventTime = try EventTimeStep(id: id, timestamp: timestamp, strategy: strategy,
                                              downstream: try build.output(of: step, as: Value.self), context: build.context)
            build.setInlet(eventTime.inlet, step: step)
        })
    }
}
extension DataStream {
    /// Gives each record the processing time at which it arrived (milliseconds since the
    /// epoch, from the job's clock) as its time, and makes that time the watermark: windows
    /// after it are processing-time windows, firing as the clock passes their end. Followed
    /// sources send heartbeats while idle, so windows fire without new records.
    ///
    /// ```swift
    /// requests.processingTime().keyed(by: \.path).window("per-second", .tumbling(.seconds(1))).aggregate(.count())
    /// ```
    @inlinable
    public func processingTime() -> DataStream<Value> {
        derive(.processingTime, hasEventTime: true, idleTimeout: .some(nil), builder: StepBuilder { step, build in
            let stamp = ProcessingTimeStep(downstream: try build.output(of: step, as: Value.self), context: build.context)
            build.setInlet(stamp.inlet, step: step)
        })
    }
}
