/// A batch transform with one state of its own (not keyed, one instance for the step):
/// checkpointed under the step's id and restored from it.
///
/// `@unchecked Sendable` is safe: `state` is touched only by `consume` and `checkpoint`, which
/// the job's driver calls one at a time.
@usableFromInline
final class StatefulTransformStep<Input: Sendable, Output: Sendable, State: Codable & Sendable>: @unchecked Sendable {
    @usableFromInline let id: String
    @usableFromInline let body: @Sendable (inout State, RecordBatch<Input>) throws -> RecordBatch<Output>
    @usableFromInline let downstream: BatchReceiver<Output>
    @usableFromInline var state: State
    @usableFromInline let metrics: StepMetrics

    @inlinable
    init(id: String, initial: State, body: @escaping @Sendable (inout State, RecordBatch<Input>) throws -> RecordBatch<Output>,
         downstream: BatchReceiver<Output>, context: RunContext) throws {
        self.id = id
        self.body = body
        self.downstream = downstream
        state = try context.registerState(State.self, for: id) ?? initial
        metrics = StepMetrics(step: id, progress: context.progress)
    }

    @inlinable
    var inlet: BatchReceiver<Input> {
        BatchReceiver(consume: { try await self.consume($0) }, finish: downstream.finish, checkpoint: { try await self.checkpoint($0) })
    }

    @inlinable
    func consume(_ batch: RecordBatch<Input>) async throws {
        let transformed: RecordBatch<Output>
        do {
            transformed = try body(&state, batch)
        } catch let error as StreamError {
            throw error
        } catch {
            throw StreamError(.userFunction, step: id, action: "transform", message: "\(error)")
        }
        metrics.counted(in: batch.count, out: transformed.count)
        try await downstream.consume(transformed)
    }

    @usableFromInline
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        barrier.store(state, for: id)
        try await downstream.checkpoint(barrier)
    }
}
