import Synchronization

/// How an isolated step runs: where the records that kill workers go, and how long one batch
/// may run.
///
/// ```swift
/// clicks.map(parse).isolated(deadLetters: .deadLetterFile("out/poison.jsonl"), timeout: .seconds(5))
/// ```
public struct Isolation: Sendable {
    /// The step's name (in errors, metrics and the checkpointed state of its dead letters).
    public var id: String
    /// Where a record that kills its worker goes; nil stops the job naming it.
    public var deadLetters: Sink<[UInt8]>?
    /// How long one batch may run in a worker before it is killed; nil takes the pool's.
    public var timeout: Duration?
}

/// The steps of a job that can run in worker processes (stateless transforms over `Codable`
/// or `BinaryRecord` records), the ones asked to, and what a worker runs for each.
struct IsolationTable: Sendable {
    struct Candidate: Sendable {
        let kind: String
        /// What a worker runs: an encoded input batch to an encoded output batch.
        let handler: RemoteHandler
    }

    var candidates: [Int: Candidate] = [:]
    /// Why a step cannot be isolated (its records are not `Codable`).
    var refusals: [Int: String] = [:]
    var isolated: [Int: Isolation] = [:]
}

extension Job {
    /// The remote function name of step `step` of this job: the job's name, the step's number and
    /// kind, which a worker that built the same pipeline gives the same step.
    func remoteFunctionName(step: Int, kind: String) -> String {
        "\(name)/step-\(step)/\(kind)"
    }

    /// Records that a transform step can run in a worker, if its records are `Codable`.
    @usableFromInline
    func offerIsolation<Input: Sendable, Output: Sendable>(
        step: Int, kind: String, body: @escaping @Sendable (RecordBatch<Input>) throws -> RecordBatch<Output>
    ) {
        guard let input = RemoteBatchCodec<Input>.forRecords, let output = RemoteBatchCodec<Output>.forRecords else {
            let missing = [RemoteBatchCodec<Input>.forRecords == nil ? "\(Input.self)" : nil,
                           RemoteBatchCodec<Output>.forRecords == nil ? "\(Output.self)" : nil].compactMap { $0 }
            isolation.withLock { $0.refusals[step] = "its records must be Codable (or BinaryRecord) to travel to a worker: \(missing.joined(separator: " and ")) is neither" }
            return
        }
        let name = remoteFunctionName(step: step, kind: kind)
        let handler = RemoteHandler { bytes in
            try output.encode(body(try input.decode(bytes, name)), name)
        }
        isolation.withLock { $0.candidates[step] = IsolationTable.Candidate(kind: kind, handler: handler) }
    }

    /// Marks `step` to run in worker processes.
    func isolate(step: Int, _ isolation: Isolation) {
        let refusal: String? = self.isolation.withLock { table in
            if let refusal = table.refusals[step] { return refusal }
            guard table.candidates[step] != nil else { return "only a stateless step (map, filter, compactMap, flatMap, transform) can be isolated" }
            table.isolated[step] = isolation
            return nil
        }
        if let refusal {
            problem("step '\(isolation.id)': cannot be isolated: \(refusal)")
        } else if let file = isolation.deadLetters?.writesFile {
            graph.withLock { $0.addWrite(file, to: step) }
        }
    }

    /// How `step` is isolated in a run with `options`, or nil if it runs in the job's process.
    func isolation(of step: Int, options: RunOptions) -> (Isolation, kind: String)? {
        isolation.withLock { table in
            guard let candidate = table.candidates[step] else { return nil }
            if let chosen = table.isolated[step] { return (chosen, candidate.kind) }
            guard options.isolateStatelessSteps else { return nil }
            return (Isolation(id: stateName(after: step, suffix: candidate.kind), deadLetters: nil, timeout: nil), candidate.kind)
        }
    }

    /// Whether any step is marked isolated.
    public var hasIsolatedSteps: Bool {
        isolation.withLock { !$0.isolated.isEmpty }
    }

    /// Registers what a worker runs for each step that can be isolated, under the name the job
    /// sends: what `stream-job worker --pipeline` does after building the pipeline.
    ///
    /// ```swift
    /// try pipeline.build(settings).registerIsolatedSteps()
    /// ```
    public func registerIsolatedSteps() {
        for (step, candidate) in isolation.withLock({ $0.candidates }) {
            RemoteFunctions.register(remoteFunctionName(step: step, kind: candidate.kind), candidate.handler)
        }
    }
}

extension DataStream {
    /// Runs this step — a stateless step over `Codable` records (`map`, `filter`, `compactMap`,
    /// `flatMap`, `transform`) — in the run's worker processes (`--worker-processes`): its
    /// batches go to the workers as remote tasks and come back in order, with the same output,
    /// event time and exactly-once guarantees as in the job's process. A record whose code kills
    /// a worker (a trap, a crash, `timeout`, the worker's memory limit) is found by running its
    /// batch again in halves on fresh workers; it goes to `deadLetters` with the step, the cause,
    /// where its source was and the record, and the rest of the batch goes on. Without
    /// `deadLetters` such a record stops the job with all of that in the error.
    ///
    /// ```swift
    /// lines.map { try parse($0) }.isolated("parse", deadLetters: .deadLetterFile("out/poison.jsonl"))
    /// ```
    public func isolated(_ id: String? = nil, deadLetters: Sink<[UInt8]>? = nil, timeout: Duration? = nil) -> DataStream<Value> {
        let kind = job.graph.withLock { graph -> String in
            if case .transform(let kind) = graph.steps[step].kind { return kind }
            return "\(graph.steps[step].kind)"
        }
        let id = id ?? job.stateName(after: step, suffix: kind)
        job.isolate(step: step, Isolation(id: id, deadLetters: deadLetters, timeout: timeout))
        return self
    }
}
