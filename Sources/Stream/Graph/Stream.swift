/// A stream of records in a job. Steps return new streams; nothing runs until `Job.run`.
///
/// The core offers a few primitives — ``transform(_:_:)`` (a batch transform), event time,
/// keying, windows and sinks; `map`, `filter` and the other operators are written on them.
///
/// ```swift
/// let totals = job.source("orders", .csvFile("orders.csv", as: Order.self))
///     .filter { $0.amount > 0 }
///     .map { $0.amount }
/// ```
public struct Stream<Value: Sendable>: Sendable {
    @usableFromInline let node: StreamNode<Value>
    /// Whether records carry event time (set by `eventTime`).
    public let hasEventTime: Bool

    @usableFromInline
    init(node: StreamNode<Value>, hasEventTime: Bool) {
        self.node = node
        self.hasEventTime = hasEventTime
    }

    @inlinable public var job: Job { node.job }

    /// Adds a step to the graph and returns the stream of its output.
    @inlinable
    func derive<Output>(_ kind: String, name: String? = nil, hasEventTime: Bool? = nil) -> Stream<Output> {
        let step = job.addStep(kind, name: name, inputs: [node.step])
        return Stream<Output>(node: StreamNode(step: step, job: job), hasEventTime: hasEventTime ?? self.hasEventTime)
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
    ) -> Stream<Output> {
        let output: Stream<Output> = derive(kind)
        let metrics = StepMetrics(step: "\(kind)#\(output.node.step)")
        node.attach { context in
            let downstream = try output.node.receiver(in: context)
            return BatchReceiver(
                consume: { batch in
                    let transformed: RecordBatch<Output>
                    do {
                        transformed = try body(batch)
                    } catch let error as StreamError {
                        throw error
                    } catch {
                        throw StreamError(.userFunction, step: kind, action: kind, message: "\(error)")
                    }
                    metrics.counted(in: batch.count, out: transformed.count)
                    try await downstream.consume(transformed)
                },
                finish: downstream.finish,
                checkpoint: downstream.checkpoint
            )
        }
        return output
    }

    /// Writes the stream to `sink`; `id` names the step (in errors, metrics and checkpoints).
    ///
    /// ```swift
    /// counts.sink("counts-out", .csvFile("out/counts.csv"))
    /// ```
    public func sink(_ id: String, _ sink: Sink<Value>) {
        _ = job.addStep("sink", name: id, inputs: [node.step])
        node.attach { context in
            let writer = try sink.makeWriter(SinkContext(stepID: id, run: context))
            let metrics = StepMetrics(step: id)
            return BatchReceiver(
                consume: { batch in
                    guard batch.count > 0 else { return }
                    try await writer.write(batch)
                    context.noteOutput()
                    context.count { $0.recordsWritten += batch.count }
                    context.progress.wrote(batch.count)
                    metrics.counted(in: batch.count, out: 0)
                },
                finish: { try await writer.close() },
                checkpoint: { try await writer.checkpoint($0) }
            )
        }
    }
}

extension Job {
    /// Adds a source; `id` names the step (in errors, metrics and checkpoints).
    ///
    /// ```swift
    /// let events = job.source("events", .csvFile("events.csv", as: Event.self))
    /// ```
    public func source<Value>(_ id: String, _ source: Source<Value>) -> Stream<Value> {
        let step = graph.withLock { $0.add("source", name: id, inputs: []) }
        let node = StreamNode<Value>(step: step, job: self)
        graph.withLock {
            $0.sourceRunners.append { context in
                let position = context.restored?.manifest.sources[id]
                let reader = try source.makeReader(SourceContext(
                    stepID: id, run: context, restoredPosition: position == SourceDriver.finished ? nil : position))
                let downstream = try node.receiver(in: context)
                let metrics = StepMetrics(step: id)
                return SourceDriver(
                    id: id,
                    restoredFinished: position == SourceDriver.finished,
                    pump: {
                        guard let batch = try await reader.next() else { return nil }
                        context.count { $0.recordsRead += batch.count }
                        context.progress.read(batch.count)
                        if batch.endWatermark > EventTime.beginning { context.progress.watermark(batch.endWatermark) }
                        metrics.counted(in: 0, out: batch.count)
                        try await downstream.consume(batch)
                        return batch.count
                    },
                    position: { reader.position },
                    positionTaken: { reader.checkpoint($0) },
                    finish: downstream.finish,
                    checkpoint: downstream.checkpoint)
            }
        }
        return Stream(node: node, hasEventTime: source.providesEventTime)
    }

    /// Records a problem for `validate()` to report.
    @usableFromInline
    func problem(_ text: String) {
        graph.withLock { $0.extraProblems.append(text) }
    }
}
