/// A stateless step at run time: each batch through the user's batch transform, straight on
/// downstream (no queue, no per-record await). Errors the transform throws stop the job,
/// wrapped with the step's kind.
@usableFromInline
struct TransformStep<Input: Sendable, Output: Sendable>: Sendable {
    @usableFromInline let kind: String
    @usableFromInline let body: @Sendable (RecordBatch<Input>) throws -> RecordBatch<Output>
    @usableFromInline let downstream: BatchReceiver<Output>
    @usableFromInline let metrics: StepMetrics

    @inlinable
    init(kind: String, step: Int, body: @escaping @Sendable (RecordBatch<Input>) throws -> RecordBatch<Output>,
         downstream: BatchReceiver<Output>, progress: RunProgress? = nil) {
        self.kind = kind
        self.body = body
        self.downstream = downstream
        metrics = StepMetrics(step: "\(kind)#\(step)", progress: progress)
    }

    @inlinable
    var inlet: BatchReceiver<Input> {
        BatchReceiver(consume: { try await consume($0) }, finish: downstream.finish, checkpoint: downstream.checkpoint)
    }

    @inlinable
    func consume(_ batch: RecordBatch<Input>) async throws {
        let transformed = try Self.apply(body, to: batch, step: kind)
        metrics.counted(in: batch.count, out: transformed.count)
        try await downstream.consume(transformed)
    }

    /// `body` on `batch`; an error it throws that is not a ``StreamError`` already comes out
    /// as one naming `step`.
    @inlinable
    static func apply(_ body: (RecordBatch<Input>) throws -> RecordBatch<Output>, to batch: RecordBatch<Input>,
                      step: String) throws -> RecordBatch<Output> {
        do {
            return try body(batch)
        } catch let error as StreamError {
            throw error
        } catch {
            throw StreamError(.userFunction, step: step, action: step, message: "\(error)")
        }
    }
}
