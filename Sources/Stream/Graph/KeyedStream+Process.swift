extension KeyedStream {
    /// A stateful step: `makeOperator` builds one operator per range of key groups from its
    /// state (empty on a fresh start, restored from a checkpoint otherwise); `id` names the step
    /// and its checkpointed state. The output keeps event time.
    ///
    /// Swift infers the function's type from a one-expression closure. For a closure of several
    /// statements, name the type: ``process(_:as:_:)``, or `{ state -> CountPerKey in … }`.
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
        return stream.derive(.process, name: id, hasEventTime: true, state: .keyedState(Key.self, Function.State.self), builder: StepBuilder { step, build in
            let operation = try ProcessLogic<Function>.makeOperator(id: id, context: build.context, keyed: keyed, make: makeOperator,
                                                                    downstream: try build.output(of: step, as: Function.Output.self))
            build.setInlet(operation.inlet, step: step)
        })
    }

    /// ``process(_:_:)`` with the function's type named, for a closure of several statements
    /// (whose result type Swift does not infer).
    ///
    /// ```swift
    /// clicks.keyed(by: \.user).process("alerts", as: Alerts.self) { state in
    ///     let limit = settings.limit
    ///     return Alerts(limit: limit, restoring: state)
    /// }
    /// ```
    @inlinable
    public func process<Function: KeyedProcessFunction>(
        _ id: String, as type: Function.Type, _ makeOperator: @escaping @Sendable (KeyedState<Key, Function.State>) throws -> Function
    ) -> DataStream<Function.Output> where Function.Key == Key, Function.Input == Value {
        process(id, makeOperator)
    }
}
