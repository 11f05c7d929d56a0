import DequeModule
import Foundation
import Logging

/// A stateless step whose batches run in worker processes. Batches go out as remote tasks as
/// they come (up to two per worker in flight) and their results go downstream strictly in
/// order, so the output is the in-process step's. A batch whose worker dies is run again once
/// (a worker killed from outside costs nothing); if it kills a second worker it is run in
/// halves, recursively, until the records that kill a worker on their own are found: each goes
/// to the step's dead letters, the rest of the batch goes on.
///
/// `@unchecked Sendable` is safe: the driver calls the step one call at a time, so the queue
/// of batches in flight is touched by one caller only; what the workers finish arrives in
/// promise cells.
@usableFromInline
final class IsolatedTransformStep<Input: Sendable, Output: Sendable>: @unchecked Sendable {
    private struct InFlight {
        let batch: RecordBatch<Input>
        let result: TaskRef<RecordBatch<Output>>
        let span: SourceSpan?
    }

    private let isolation: Isolation
    private let function: String
    private let pool: WorkerPool
    private let runtime: Runtime
    private let input: RemoteBatchCodec<Input>
    private let output: RemoteBatchCodec<Output>
    private let downstream: BatchReceiver<Output>
    private let deadLetters: (any SinkWriter<[UInt8]>)?
    private let context: RunContext
    private let metrics: StepMetrics
    private var inFlight = Deque<InFlight>()
    private let bound: Int

    /// The isolated form of step `step`, or nil when this run keeps it in the job's process
    /// (it is not isolated, or the runtime has no worker processes: then a warning says so).
    @usableFromInline
    static func make(step: Int, body: @escaping @Sendable (RecordBatch<Input>) throws -> RecordBatch<Output>,
                     downstream: BatchReceiver<Output>, context: RunContext) throws -> BatchReceiver<Input>? {
        guard let (isolation, kind) = context.job.isolation(of: step, options: context.options) else { return nil }
        let deadLetters = try isolation.deadLetters?.makeWriter(SinkContext(stepID: "\(isolation.id)/dead-letters", run: context))
        guard let pool = context.runtime.processes else {
            Logger(label: "stream.isolation").warning(
                "step '\(isolation.id)' is isolated, but this run has no worker processes (--worker-processes): it runs in the job's process")
            guard let deadLetters else { return nil }
            return inProcess(isolation: isolation, body: body, deadLetters: deadLetters, downstream: downstream, context: context)
        }
        guard let input = RemoteBatchCodec<Input>.forRecords, let output = RemoteBatchCodec<Output>.forRecords else { return nil }
        let running = IsolatedTransformStep(isolation: isolation, function: context.job.remoteFunctionName(step: step, kind: kind),
                                            pool: pool, input: input, output: output, downstream: downstream,
                                            deadLetters: deadLetters, context: context)
        return BatchReceiver(consume: { try await running.consume($0) }, finish: { try await running.finish() },
                             checkpoint: { try await running.checkpoint($0) })
    }

    /// The step in the job's process, keeping its (empty) dead letters' checkpointed state, so a
    /// run with worker processes can restore from this one's checkpoints and the other way round.
    private static func inProcess(isolation: Isolation, body: @escaping @Sendable (RecordBatch<Input>) throws -> RecordBatch<Output>,
                                  deadLetters: any SinkWriter<[UInt8]>, downstream: BatchReceiver<Output>,
                                  context: RunContext) -> BatchReceiver<Input> {
        let metrics = StepMetrics(step: isolation.id, progress: context.progress)
        return BatchReceiver(consume: { batch in
            let transformed = try TransformStep<Input, Output>.apply(body, to: batch, step: isolation.id)
            metrics.counted(in: batch.count, out: transformed.count)
            try await downstream.consume(transformed)
        }, finish: {
            try await deadLetters.close()
            try await downstream.finish()
        }, checkpoint: { barrier in
            try await deadLetters.checkpoint(barrier)
            try await downstream.checkpoint(barrier)
        })
    }

    private init(isolation: Isolation, function: String, pool: WorkerPool, input: RemoteBatchCodec<Input>,
                 output: RemoteBatchCodec<Output>, downstream: BatchReceiver<Output>,
                 deadLetters: (any SinkWriter<[UInt8]>)?, context: RunContext) {
        self.isolation = isolation
        self.function = function
        self.pool = pool
        runtime = context.runtime
        self.input = input
        self.output = output
        self.downstream = downstream
        self.deadLetters = deadLetters
        self.context = context
        metrics = StepMetrics(step: isolation.id, progress: context.progress)
        bound = 2 * pool.options.count
        if deadLetters != nil { EngineMetrics.deadLetters(step: isolation.id).increment(by: 0) }
    }

    func consume(_ batch: RecordBatch<Input>) async throws {
        if batch.count == 0 {
            // A heartbeat: everything before it goes first, then its watermark.
            try await deliverAll()
            try await downstream.consume(.empty(endingAt: batch.endWatermark))
            return
        }
        inFlight.append(InFlight(batch: batch, result: run(batch, retriesOnWorkerDeath: 1), span: context.currentDelivery))
        while let head = inFlight.first, inFlight.count > bound || head.result.isReady {
            try await deliver(inFlight.removeFirst())
        }
    }

    func finish() async throws {
        try await deliverAll()
        try await deadLetters?.close()
        try await downstream.finish()
    }

    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        try await deliverAll()
        try await deadLetters?.checkpoint(barrier)
        try await downstream.checkpoint(barrier)
    }

    private func deliverAll() async throws {
        while let head = inFlight.popFirst() { try await deliver(head) }
    }

    /// Sends `batch` to a worker; the future holds its decoded output. The batch is encoded by
    /// a runtime task and the output decoded on the pool's reader thread, so the driver only
    /// hands batches over.
    private func run(_ batch: RecordBatch<Input>, retriesOnWorkerDeath: Int) -> TaskRef<RecordBatch<Output>> {
        let cell = TaskCell<RecordBatch<Output>>(promiseOn: runtime.scheduler, priority: 0)
        let (input, output, id, pool, function) = (input, output, isolation.id, pool, function)
        let options = RemoteTaskOptions(retriesOnWorkerDeath: retriesOnWorkerDeath, timeout: isolation.timeout)
        let encoded = runtime.submit { try input.encode(batch, id) }
        encoded.cell.onComplete {
            switch encoded.result! {
            case .success(let bytes):
                pool.submit(function: function, input: bytes, options: options) { outcome in
                    cell.complete(outcome.flatMap { bytes in Result { try output.decode(bytes[...], id) } })
                }
            case .failure(let error):
                cell.complete(.failure(error))
            }
        }
        return TaskRef(cell)
    }

    private func deliver(_ item: InFlight) async throws {
        var poison: [(index: Int, death: WorkerDeath)] = []
        let transformed = try await output(of: item.batch, from: item.result, offset: 0, found: &poison)
        if !poison.isEmpty { try await reject(poison, of: item) }
        metrics.counted(in: item.batch.count, out: transformed.count)
        try await downstream.consume(transformed)
    }

    /// What `run` gives for `batch` (at `offset` in the batch delivered); if the batch killed its
    /// workers, its output without the records that do (added to `found`). An error the step
    /// threw in the worker stops the job.
    private func output(of batch: RecordBatch<Input>, from run: TaskRef<RecordBatch<Output>>, offset: Int,
                        found: inout [(index: Int, death: WorkerDeath)]) async throws -> RecordBatch<Output> {
        do {
            return try await run.value
        } catch RemoteTaskError.workerDied(_, let death) {
            return try await searchForPoison(batch, offset: offset, death: death, found: &found)
        } catch let RemoteTaskError.failed(_, message) {
            throw StreamError(.userFunction, step: isolation.id, action: "running in a worker", message: message)
        }
    }

    /// The output of `batch`, which killed a worker (`death`) twice, without the records that
    /// kill a worker on their own (added to `found`, with their index in the original batch).
    private func searchForPoison(_ batch: RecordBatch<Input>, offset: Int, death: WorkerDeath,
                                 found: inout [(index: Int, death: WorkerDeath)]) async throws -> RecordBatch<Output> {
        if batch.count == 1 {
            found.append((offset, death))
            return .empty(endingAt: batch.endWatermark)
        }
        let half = batch.count / 2
        let (front, back) = batch.split(at: half)
        // Both halves go out at once (two workers); a single record is retried once alone.
        let parts = [(front, offset), (back, offset + half)]
        let runs = parts.map { run($0.0, retriesOnWorkerDeath: $0.0.count == 1 ? 1 : 0) }
        var result = RecordBatch<Output>.empty(endingAt: EventTime.beginning)
        for (part, run) in zip(parts, runs) {
            result = result.followed(by: try await output(of: part.0, from: run, offset: part.1, found: &found))
        }
        return result
    }

    /// Writes each poison record to the dead letters, or stops the job naming the first.
    private func reject(_ poison: [(index: Int, death: WorkerDeath)], of item: InFlight) async throws {
        var lines: [[UInt8]] = []
        for (index, death) in poison {
            let record = item.batch.values[index]
            let bytes = (try? input.encodeRecord(record, isolation.id)) ?? []
            let whereFrom = item.span.map { "\($0), record \(index + 1) of \(item.batch.count)" } ?? "record \(index + 1) of its batch"
            guard deadLetters != nil else {
                throw StreamError(.userFunction, step: isolation.id, action: "running in a worker", position: whereFrom,
                                  record: String(describing: record).prefix(500).description,
                                  message: "the record kills every worker that runs it: its worker \(death) (give the step dead letters to go on without it)")
            }
            var entry: [String: Any] = ["step": isolation.id, "reason": "its worker \(death)", "cause": death.cause,
                                        "record": String(describing: record).prefix(2000).description,
                                        "record_base64": Data(bytes).base64EncodedString(), "index_in_batch": index]
            if let span = item.span {
                entry["source"] = span.source
                if let position = span.endingAt { entry["batch_ends_at"] = position }
            }
            lines.append(Array(try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys])))
            Logger(label: "stream.isolation").error("step '\(isolation.id)': a record killed its worker (\(death.cause)); \(whereFrom); it went to the dead letters")
        }
        try await deadLetters!.write(RecordBatch(values: lines))
        context.countDeadLetters(lines.count, step: isolation.id)
        EngineMetrics.poisonRecords(step: isolation.id).increment(by: lines.count)
    }
}
