/// A stream of records in a job. Steps return new streams; nothing runs until `Job.run`.
///
/// The core offers a few primitives — ``transform(_:_:)`` (a batch transform), event time,
/// keying, windows, stateful steps, merging streams and sinks; `map`, `filter` and the other
/// operators are written on them.
///
/// ```swift
/// let totals = job.source("orders", .csvFile("orders.csv", as: Order.self))
///     .filter { $0.amount > 0 }
///     .map { $0.amount }
/// ```
public struct DataStream<Value: Sendable>: Sendable {
    public let job: Job
    /// The number of the step whose output this stream is.
    public let step: Int
    /// Whether records carry event time (set by `eventTime`).
    public let hasEventTime: Bool
    /// After how long without records (processing time, milliseconds) this stream counts as idle
    /// where it meets other streams, from its watermark strategy; nil for never.
    public let idleTimeout: Int64?

    @usableFromInline
    init(job: Job, step: Int, hasEventTime: Bool, idleTimeout: Int64? = nil) {
        self.job = job
        self.step = step
        self.hasEventTime = hasEventTime
        self.idleTimeout = idleTimeout
    }

    /// Adds a step reading this stream and returns the stream of its output.
    @inlinable
    func derive<Output>(_ kind: StepKind, name: String? = nil, hasEventTime: Bool? = nil, idleTimeout: Int64?? = nil,
                        state: StateSignature? = nil, builder: StepBuilder?) -> DataStream<Output> {
        let step = job.addStep(kind, name: name, inputs: [self.step], state: state, builder: builder)
        return DataStream<Output>(job: job, step: step, hasEventTime: hasEventTime ?? self.hasEventTime,
                              idleTimeout: idleTimeout ?? self.idleTimeout)
    }

    /// The batch-transform primitive: `body` turns each batch into a batch of the new stream
    /// (stateless steps are fused this way: no per-record queue or await). Errors it throws
    /// stop the job, wrapped with the step's kind.
    ///
    /// ```swift
    /// stream.transform("uppercase") { $0.map { $0.uppercased() } }
    /// ```
    @inlinable
    public func transform<Output>(
        _ kind: String,
        _ body: @escaping @Sendable (RecordBatch<Value>) throws -> RecordBatch<Output>
    ) -> DataStream<Output> {
        let stream: DataStream<Output> = derive(.transform(kind), builder: StepBuilder { step, build in
            let downstream = try build.output(of: step, as: Output.self)
            if let isolated = try IsolatedTransformStep<Value, Output>.make(step: step, body: body, downstream: downstream, context: build.context) {
                build.setInlet(isolated, step: step)
                return
            }
            let transform = TransformStep(kind: kind, step: step, body: body, downstream: downstream, progress: build.context.progress)
            build.setInlet(transform.inlet, step: step)
        })
        job.offerIsolation(step: stream.step, kind: kind, body: body)
        return stream
    }

    /// The batch-transform primitive with a state of its own: `body` turns each batch into a batch
    /// of the new stream, reading and updating `state` (one for the step, not per key), which is
    /// checkpointed under `id` and restored from it. For low-rate shared state — the rules a
    /// broadcast stream sets, a running total.
    ///
    /// ```swift
    /// numbers.transform("running-total", state: 0) { total, batch in batch.map { total += $0; return total } }
    /// ```
    @inlinable
    public func transform<Output, State: Codable & Sendable>(
        _ id: String, state initial: State,
        _ body: @escaping @Sendable (inout State, RecordBatch<Value>) throws -> RecordBatch<Output>
    ) -> DataStream<Output> {
        derive(.transform(id), name: id, state: .of(State.self), builder: StepBuilder { step, build in
            let transform = try StatefulTransformStep(id: id, initial: initial, body: body,
                                                      downstream: try build.output(of: step, as: Output.self), context: build.context)
            build.setInlet(transform.inlet, step: step)
        })
    }

    /// Writes the stream to `sink`; `id` names the step (in errors, metrics and checkpoints).
    ///
    /// ```swift
    /// counts.sink("counts-out", .csvFile("out/counts.csv"))
    /// ```
    public func sink(_ id: String, _ sink: Sink<Value>) {
        _ = job.addStep(.sink, name: id, inputs: [step], writes: sink.writesFile.map { [$0] } ?? [], builder: StepBuilder { step, build in
            build.setInlet(try SinkStep(id: id, sink: sink, context: build.context).inlet, step: step)
        })
    }
}

extension Job {
    /// Adds a source; `id` names the step (in errors, metrics and checkpoints). Every source of a
    /// job is read at the same time.
    ///
    /// ```swift
    /// let events = job.source("events", .csvFile("events.csv", as: Event.self))
    /// ```
    public func source<Value>(_ id: String, _ source: Source<Value>) -> DataStream<Value> {
        let writes = source.deadLetters?.writesFile.map { [$0] } ?? []
        let step = addStep(.source, name: id, inputs: [], writes: writes, builder: StepBuilder { step, build in
            let context = build.context
            let position = context.restored?.manifest.sources[id]
            let finished = position == JobDriver.finishedPosition
            let reader = try source.makeReader(SourceContext(stepID: id, run: context, restoredPosition: finished ? nil : position))
            let deadLetters = try source.deadLetters?.makeWriter(SinkContext(stepID: "\(id)/dead-letters", run: context))
            build.addSource(SourceStep(id: id, step: step, reader: reader, restoredFinished: finished, deadLetters: deadLetters,
                                       downstream: try build.output(of: step, as: Value.self), context: context), step: step)
        })
        if source.isPartitioned { markPartitioned(step) }
        if let group = source.group { graph.withLock { $0.setGroup(group, of: step) } }
        return DataStream(job: self, step: step, hasEventTime: source.providesEventTime, idleTimeout: source.idleTimeout)
    }
}

/// The old name of ``DataStream``, which collided with Foundation's `Stream` class in any file
/// importing Foundation (`cannot specialize non-generic type 'Stream'`).
@available(*, deprecated, renamed: "DataStream")
public typealias Stream<Value: Sendable> = DataStream<Value>
