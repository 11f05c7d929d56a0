/// The description of a job: its steps, each with its kind, its name and the steps it reads
/// from, and how each is built when the job runs. Steps are numbered in the order they were
/// added, and a step's inputs always come before it, so the numbering is a topological order.
public struct JobGraph: Sendable {
    /// One step: what it does and where its input comes from.
    public struct Step: Sendable, CustomStringConvertible {
        public var id: Int
        public var kind: StepKind
        public var name: String?
        /// The steps whose output this step reads, in input order (input 0, input 1, …).
        public var inputs: [Int]
        /// Files the step writes (a sink's output, a source's dead letters), as absolute paths.
        public var writes: [String] = []
        /// A source that may read several partitions whose records interleave.
        public var isPartitionedSource = false
        /// For a step with checkpointed state: what that state depends on.
        public var state: StateSignature?
        /// For a source that reads in a consumer group: the group.
        public var group: SourceGroup?
        public var description: String { name.map { "\(kind) '\($0)'" } ?? "\(kind)" }
    }

    public private(set) var steps: [Step] = []
    /// How each step is made into its running form (by step number).
    var builders: [StepBuilder?] = []
    var extraProblems: [String] = []

    @usableFromInline
    init() {}

    mutating func add(_ kind: StepKind, name: String?, inputs: [Int], writes: [String] = [], state: StateSignature? = nil,
                      builder: StepBuilder?) -> Int {
        steps.append(Step(id: steps.count, kind: kind, name: name, inputs: inputs, writes: writes, state: state))
        builders.append(builder)
        return steps.count - 1
    }

    /// Notes that `step` also writes `file` (an isolated step's dead letters, say).
    mutating func addWrite(_ file: String, to step: Int) {
        steps[step].writes.append(file)
    }

    /// The signature of each named step with checkpointed state.
    var stateSignatures: [String: StateSignature] {
        var signatures: [String: StateSignature] = [:]
        for step in steps { if let name = step.name, let state = step.state { signatures[name] = state } }
        return signatures
    }

    mutating func markPartitioned(_ step: Int) {
        steps[step].isPartitionedSource = true
    }

    mutating func setGroup(_ group: SourceGroup, of step: Int) {
        steps[step].group = group
    }

    /// The steps that read `step`'s main output, with the input number each reads it on.
    func consumers(of step: Int) -> [(step: Int, input: Int)] {
        var found: [(step: Int, input: Int)] = []
        for candidate in steps[(step + 1)...] where !candidate.kind.isSideOutput {
            for (input, source) in candidate.inputs.enumerated() where source == step { found.append((candidate.id, input)) }
        }
        return found
    }

    /// The side-output step of `step` (a window's late records), if it has one.
    func sideOutput(of step: Int) -> Int? {
        steps[(step + 1)...].first { $0.kind.isSideOutput && $0.inputs == [step] }?.id
    }

    /// The source steps upstream of `step` (itself, if it is one); `alsoSources` are steps that
    /// count as sources (a group task's exchange readers), not looked behind.
    func sources(upstreamOf step: Int, alsoSources: Set<Int> = []) -> Set<Int> {
        var found: Set<Int> = []
        var pending = [step]
        var seen: Set<Int> = []
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            if steps[next].kind == .source || alsoSources.contains(next) {
                found.insert(next)
                continue
            }
            pending.append(contentsOf: steps[next].inputs)
        }
        return found
    }

    /// What may be wrong though the job can run: event time given on a stream that interleaves a
    /// source's partitions (one watermark over all of them).
    func warnings() -> [String] {
        steps.filter { $0.kind == .eventTime }.flatMap { step in
            sources(upstreamOf: step.id).sorted().filter { steps[$0].isPartitionedSource }.map { source in
                "step '\(step.name ?? "\(step.id)")' gives event time after source '\(steps[source].name ?? "\(source)")', "
                    + "which may read several partitions: one watermark over their interleaved records can judge the records of a "
                    + "partition behind the others late. Give the source the event time instead (watermark: with timestamp:), "
                    + "so each partition keeps its own watermark"
            }
        }
    }

    func problems() -> [String] {
        var problems = extraProblems
        var seen: [String: StepKind] = [:]
        for step in steps {
            guard let name = step.name else { continue }
            if let other = seen[name] {
                problems.append("step id '\(name)' is used by both a \(other) and a \(step.kind) step; give each stateful or I/O step its own id")
            }
            seen[name] = step.kind
        }
        if !steps.contains(where: { $0.kind == .source }) { problems.append("the job has no source; add one with job.source(_:_:)") }
        var writers: [String: [Step]] = [:]
        for step in steps { for file in step.writes { writers[file, default: []].append(step) } }
        for (file, sharing) in writers.sorted(by: { $0.key < $1.key }) where sharing.count > 1 {
            let names = sharing.map { "\($0)" }.joined(separator: " and ")
            problems.append("\(names) both write \(file), and one would overwrite or cut the other's lines; give each its own file")
        }
        let consumed = Set(steps.flatMap(\.inputs))
        for step in steps where !consumed.contains(step.id) && !step.kind.outputMayBeUnconnected {
            problems.append("the output of \(step) goes nowhere; end it with .sink(_:_:)")
        }
        return problems
    }
}

/// How one step becomes its running form: called once per run by the executor with the step's
/// number, consumers first, so the inlets of the steps that read its output are already made.
@usableFromInline
struct StepBuilder: Sendable {
    @usableFromInline let build: @Sendable (_ step: Int, _ build: inout ExecutionBuild) throws -> Void

    @inlinable
    init(_ build: @escaping @Sendable (_ step: Int, _ build: inout ExecutionBuild) throws -> Void) {
        self.build = build
    }
}
