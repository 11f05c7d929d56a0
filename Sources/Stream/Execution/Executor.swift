/// Makes a job's running form from its graph, once per run: every step's builder is called
/// consumers first (in reverse step order, which is reverse topological order), so when a step
/// is built the inlets of the steps that read its output exist and it takes them as its
/// downstream. What is built refers only downstream: nothing refers back to the graph or the
/// run, so nothing needs releasing when the run ends.
///
/// ```swift
/// var build = try ExecutionBuild.make(job.graph.withLock { $0 }, context: context)
/// build.sources   // each source with its chain of steps behind it
/// ```
@usableFromInline
struct ExecutionBuild {
    @usableFromInline let context: RunContext
    let graph: JobGraph
    /// Each built step's inlets, by step and input number: a `BatchReceiver` of the type that
    /// input reads.
    private var inlets: [Int: [Int: any Sendable]] = [:]
    /// The job's sources, as they were built.
    private(set) var sources: [Int: any RunningSource] = [:]
    /// Holds sources back while a multi-input step has buffered a lot from inputs ahead of the others.
    let holds: SourceHolds

    private init(graph: JobGraph, context: RunContext) {
        self.graph = graph
        self.context = context
        holds = SourceHolds()
    }

    /// Builds every step of `graph`.
    static func make(_ graph: JobGraph, context: RunContext) throws -> ExecutionBuild {
        var build = ExecutionBuild(graph: graph, context: context)
        for step in graph.steps.reversed() where context.task?.steps.contains(step.id) ?? true {
            try graph.builders[step.id]?.build(step.id, &build)
        }
        return build
    }

    /// The job's sources in the order they were declared.
    var orderedSources: [any RunningSource] { sources.keys.sorted().map { sources[$0]! } }

    /// Where `step` sends its output: every consumer's inlet (in step order), or nowhere.
    @usableFromInline
    func output<Value>(of step: Int, as type: Value.Type = Value.self) throws -> BatchReceiver<Value> {
        let scope = context.task?.steps
        let receivers = try graph.consumers(of: step).filter { scope?.contains($0.step) ?? true }.map { consumer -> BatchReceiver<Value> in
            guard let inlet = inlets[consumer.step]?[consumer.input] as? BatchReceiver<Value> else {
                throw StreamError(.invalidJob, step: graph.steps[consumer.step].description, action: "build",
                                  message: "input \(consumer.input) does not read \(Value.self) (an engine bug: the graph's types disagree)")
            }
            return inlet
        }
        return receivers.isEmpty ? .discard : .fanOut(receivers)
    }

    /// The side-output step of `step` (a window's late records), if it has one.
    @usableFromInline
    func sideOutput(of step: Int) -> Int? { graph.sideOutput(of: step) }

    /// Whether anything reads `step`'s output.
    @usableFromInline
    func hasConsumers(_ step: Int) -> Bool {
        let scope = context.task?.steps
        return graph.consumers(of: step).contains { scope?.contains($0.step) ?? true }
    }

    /// Declares where input `input` of `step` receives its batches.
    @usableFromInline
    mutating func setInlet<Value>(_ inlet: BatchReceiver<Value>, step: Int, input: Int = 0) {
        inlets[step, default: [:]][input] = inlet
    }

    /// Declares a built source.
    mutating func addSource(_ source: any RunningSource, step: Int) {
        sources[step] = source
    }

    /// The sources upstream of each input of `step`, by the source's step number.
    @usableFromInline
    func sourcesUpstream(ofInputsOf step: Int) -> [Set<Int>] {
        let readers = context.task?.readers ?? []
        return graph.steps[step].inputs.map { graph.sources(upstreamOf: $0, alsoSources: readers) }
    }
}
