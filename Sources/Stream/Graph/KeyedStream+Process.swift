extension KeyedStream {
    /// A stateful step: `makeOperator` builds one operator per range of key groups from its
    /// state (empty on a fresh start, restored from a checkpoint otherwise); `id` names the step
    /// and its checkpointed state. The output keeps event time.
    ///
    /// ```swift
    /// clicks.keyed(by: \.user).process("clicks-so-far") { CountPerKey(restoring: $0) }
    /// ```
    @inlinable
    public func process<Function: KeyedProcessFunction>(
        _ id: String, _ makeOperator: @escaping @Sendable (KeyedState<Key, Function.State>) throws -> Function
    ) -> DataStream<Function.Output> where Function.Key == Key, Function.Input == Value {
        if !stream.hasEventTime {
            stream.job.problem("step '\(id)': a stateful step needs time; call .eventTime(_:watermark:) or .processingTime() before .keyed(by:)")
        }
        let keyed = self
        return stream.derive(.process, name: id, hasEventTime: true, builder: StepBuilder { step, build in
            let operation = try ProcessLogic<Function>.makeOperator(id: id, context: build.context, keyed: keyed, make: makeOperator,
                                                                    downstream: try build.output(of: step, as: Function.Output.self))
            build.setInlet(operation.inlet, step: step)
        })
    }
}
