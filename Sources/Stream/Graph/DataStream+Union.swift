extension DataStream {
    /// The multi-input primitive: this stream and `others`, of one type, merged into one; `id`
    /// names the step (and its checkpointed state). With event time on every input, the merged
    /// stream's watermark is the minimum of the inputs' (an input that ended no longer counts; one
    /// idle past its strategy's idle timeout is left out until it sends again), and records go
    /// out in an order fixed by each input's own records and watermarks — never by which input's
    /// batch happened to arrive first — so a restore or a replay gives the same output. Records
    /// waiting for a slower input are checkpointed with `codec` (needed when the job checkpoints).
    /// Without event time on any input, batches go out in the order they arrive.
    ///
    /// ```swift
    /// let all = web.merge("all-clicks", [mobile], codec: .codable)
    /// ```
    ///
    /// A nil `id` names the step after the nearest named step upstream (`clicks/union`). An
    /// input that runs ahead of the merged watermark by more than `bufferLimit` buffered records
    /// makes its sources wait (back-pressure) until the others catch up.
    public func merge(_ id: String?, _ others: [DataStream<Value>], codec: RecordCodec<Value>?,
                      bufferLimit: Int = 65_536) -> DataStream<Value> {
        let id = id ?? job.stateName(after: step, suffix: "union")
        let inputs = [self] + others
        for other in others where other.job !== job {
            job.problem("step '\(id)': a stream of job '\(other.job.name)' cannot be merged into job '\(job.name)'")
        }
        let timed = inputs.map(\.hasEventTime)
        if timed.contains(true) && timed.contains(false) {
            job.problem("step '\(id)': some inputs have event time and some do not; call .eventTime(_:watermark:) on each input, or on none")
        }
        let idleTimeout = inputs.compactMap(\.idleTimeout).max()
        let state = StateSignature.of(Value.self, configuration: "\(inputs.count) inputs")
        let step = job.addStep(.union, name: id, inputs: inputs.map(\.step), state: state, builder: StepBuilder { step, build in
            let union = try UnionStep(id: id, step: step, inputs: inputs, codec: codec,
                                      downstream: try build.output(of: step, as: Value.self), build: build,
                                      bound: max(1, bufferLimit))
            for input in inputs.indices { build.setInlet(union.inlet(input), step: step, input: input) }
        })
        return DataStream(job: job, step: step, hasEventTime: !timed.contains(false), idleTimeout: idleTimeout)
    }
}
