/// A sink at run time: the writer its `Sink` made, fed batch by batch; it closes at the end of
/// input and stages its output at each checkpoint barrier.
struct SinkStep<Value: Sendable>: Sendable {
    let id: String
    let writer: any SinkWriter<Value>
    let context: RunContext
    let metrics: StepMetrics

    init(id: String, sink: Sink<Value>, context: RunContext) throws {
        self.id = id
        self.context = context
        writer = try sink.makeWriter(SinkContext(stepID: id, run: context))
        metrics = StepMetrics(step: id, progress: context.progress)
    }

    var inlet: BatchReceiver<Value> {
        BatchReceiver(consume: { try await consume($0) }, finish: { try await writer.close() },
                      checkpoint: { try await writer.checkpoint($0) })
    }

    func consume(_ batch: RecordBatch<Value>) async throws {
        guard batch.count > 0 else { return }
        try await writer.write(batch)
        context.noteOutput()
        context.count { $0.recordsWritten += batch.count }
        context.progress.wrote(batch.count)
        metrics.counted(in: batch.count, out: 0)
    }
}
