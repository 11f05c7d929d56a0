import Logging

/// Several streams of one type merged into one at run time. With event time, records go out in
/// the order ``AlignedInputs`` gives (independent of how the inputs' batches arrive) and the
/// watermark is the minimum over the inputs; an input far ahead of the others holds its
/// sources back once it has buffered `bound` records. Without event time, batches go out as they
/// arrive. A checkpoint barrier goes on once every input has passed it; the buffered records
/// are checkpointed with the step's ``RecordCodec``.
///
/// `@unchecked Sendable` is safe: every field is touched only by the inlets' calls, which the
/// job's driver makes one at a time.
final class UnionStep<Value: Sendable>: @unchecked Sendable {
    let id: String
    let step: Int
    let context: RunContext
    let downstream: BatchReceiver<Value>
    let timed: Bool
    let codec: RecordCodec<Value>?
    let holds: SourceHolds
    /// The sources upstream of each input, by source step number.
    let upstream: [Set<Int>]
    /// How many records an input ahead of the others may buffer before its sources are held.
    let bound: Int
    private var aligned: AlignedInputs<Value>
    private var barriersSeen: [Int: Int] = [:]
    private let metrics: StepMetrics

    init(id: String, step: Int, inputs: [DataStream<Value>], codec: RecordCodec<Value>?, downstream: BatchReceiver<Value>,
         build: ExecutionBuild, bound: Int) throws {
        self.id = id
        self.step = step
        context = build.context
        self.downstream = downstream
        timed = inputs.allSatisfy(\.hasEventTime)
        self.codec = codec
        holds = build.holds
        upstream = build.sourcesUpstream(ofInputsOf: step)
        self.bound = bound
        metrics = StepMetrics(step: id, progress: context.progress)
        let timeouts = inputs.map(\.idleTimeout)
        if timed && codec == nil && (context.options.takesCheckpoints || context.restored != nil) {
            throw StreamError(.invalidJob, step: id, action: "checkpoint",
                              message: "the union holds records while it waits for its slowest input, and \(Value.self) cannot be checkpointed: make it Codable")
        }
        if let saved = try context.registerState(AlignedInputsSnapshot.self, for: id) {
            let codec = self.codec
            aligned = try AlignedInputs(idleTimeouts: timeouts, now: context.now(), restoring: saved) { bytes in
                guard let codec else { return [] }
                return try codec.decode(bytes, id)
            }
        } else {
            aligned = AlignedInputs(idleTimeouts: timeouts, now: context.now())
        }
    }

    /// The inlet of input `input`.
    func inlet(_ input: Int) -> BatchReceiver<Value> {
        BatchReceiver(consume: { try await self.consume($0, from: input) }, finish: { try await self.finish(input: input) },
                      checkpoint: { try await self.checkpoint($0, from: input) })
    }

    func consume(_ batch: RecordBatch<Value>, from input: Int) async throws {
        metrics.counted(in: batch.count, out: 0)
        guard timed else {
            metrics.counted(in: 0, out: batch.count)
            try await downstream.consume(batch)
            return
        }
        guard batch.count == 0 || batch.hasEventTime else {
            throw StreamError(.invalidJob, step: id, action: "union", message: "records of input \(input) reached the union without event time")
        }
        let before = aligned.watermark
        aligned.add(batch, input: input, now: context.arrivalTime)
        try await releaseAligned(heartbeat: batch.count == 0, watermarkBefore: before)
    }

    /// Sends on what may go out; an empty batch too when the watermark moved or a heartbeat came
    /// in (processing-time steps downstream move on with it).
    private func releaseAligned(heartbeat: Bool, watermarkBefore: Int64) async throws {
        let released = aligned.release(now: context.arrivalTime)
        holdInputsFarAhead()
        guard released.count > 0 || heartbeat || released.endWatermark > watermarkBefore else { return }
        metrics.counted(in: 0, out: released.count)
        try await downstream.consume(released)
    }

    /// Holds the sources of each input that is ahead of the merged watermark and has buffered more
    /// than `bound` records, except those that also feed an input at the minimum.
    private func holdInputsFarAhead() {
        let (ahead, behind) = aligned.farAhead(bound: bound, now: context.arrivalTime)
        let held = ahead.reduce(into: Set<Int>()) { $0.formUnion(upstream[$1]) }
        let needed = behind.reduce(into: Set<Int>()) { $0.formUnion(upstream[$1]) }
        holds.set(holder: step, sources: held.subtracting(needed))
    }

    func finish(input: Int) async throws {
        let before = aligned.watermark
        aligned.finish(input: input)
        if timed { try await releaseAligned(heartbeat: false, watermarkBefore: before) }
        if aligned.allEnded {
            holds.set(holder: step, sources: [])
            try await downstream.finish()
        }
    }

    /// Goes on once the barrier came through every input: what is still buffered goes into the
    /// checkpoint.
    func checkpoint(_ barrier: CheckpointBarrier, from input: Int) async throws {
        let seen = barriersSeen[barrier.id, default: 0] + 1
        guard seen == aligned.inputs.count else {
            barriersSeen[barrier.id] = seen
            return
        }
        barriersSeen[barrier.id] = nil
        let codec = self.codec
        let id = self.id
        let snapshot = try aligned.snapshot { records in
            guard let codec else {
                throw StreamError(.invalidJob, step: id, action: "checkpoint", message: "\(Value.self) cannot be checkpointed: make it Codable")
            }
            return try codec.encode(records, id)
        }
        barrier.store(snapshot, for: id)
        barrier.note(watermark: aligned.watermark)
        try await downstream.checkpoint(barrier)
    }
}
