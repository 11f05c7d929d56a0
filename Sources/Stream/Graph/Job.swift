import Synchronization

/// A pipeline: sources, steps and sinks, described first and run later. Building it connects
/// to nothing; ``validate()`` says what cannot run; ``run(on:)`` is the only effect.
///
/// ```swift
/// let job = Job("clicks-per-user")
/// job.source("clicks", .csvFile("clicks.csv", as: Click.self))
///     .eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.seconds(5)))
///     .keyed(by: \.user)
///     .window("per-minute", .tumbling(.seconds(60)))
///     .aggregate(.count())
///     .results.sink("counts", .stdout())
/// try await job.run()
/// ```
public final class Job: Sendable {
    public let name: String
    let graph = Mutex(JobGraph())
    /// The steps that can run in worker processes, and those asked to.
    let isolation = Mutex(IsolationTable())

    public init(_ name: String) {
        self.name = name
    }

    /// Adds a step to the graph description, with how it is built when the job runs; returns its number.
    @usableFromInline
    func addStep(_ kind: StepKind, name: String?, inputs: [Int], writes: [String] = [], state: StateSignature? = nil,
                 builder: StepBuilder?) -> Int {
        graph.withLock { $0.add(kind, name: name, inputs: inputs, writes: writes, state: state, builder: builder) }
    }

    /// Each stateful step's signature: its state's type and the settings that shape it, as a
    /// checkpoint records them (see ``CheckpointCompatibility``).
    public var stateSignatures: [String: StateSignature] {
        graph.withLock { $0.stateSignatures }
    }

    /// A name for the state of an unnamed step after `step`: the nearest named step upstream,
    /// then `suffix` ("events/event-time"), made unique within the job.
    @usableFromInline
    func stateName(after step: Int, suffix: String) -> String {
        graph.withLock { graph in
            var current: Int? = step
            var base = "job"
            while let index = current {
                if let name = graph.steps[index].name { base = name; break }
                current = graph.steps[index].inputs.first
            }
            let taken = Set(graph.steps.compactMap(\.name))
            var candidate = "\(base)/\(suffix)"
            var number = 2
            while taken.contains(candidate) {
                candidate = "\(base)/\(suffix)-\(number)"
                number += 1
            }
            return candidate
        }
    }

    /// Checks that the job can run; throws a ``StreamError`` listing every problem and what to change.
    public func validate() throws {
        let problems = graph.withLock { $0.problems() }
        guard problems.isEmpty else {
            throw StreamError(.invalidJob, job: name, action: "validate",
                              message: problems.count == 1 ? problems[0] : "\n  - " + problems.joined(separator: "\n  - "))
        }
    }

    /// What may be wrong though the job can run (`validate()` does not throw for these; `run`
    /// logs them at the start, `stream-job validate` prints them).
    public var warnings: [String] { graph.withLock { $0.warnings() } }

    /// Marks step `step` as a source that may read several interleaved partitions.
    func markPartitioned(_ step: Int) {
        graph.withLock { $0.markPartitioned(step) }
    }

    /// The steps and their edges, one per line: `source clicks -> map -> window per-minute -> sink counts`.
    public var steps: [JobGraph.Step] { graph.withLock { $0.steps } }

    /// The repartition topic the exchange step `step` goes through when the job runs as a group
    /// (`<group>.<keyed step>.repartition`, with `<group>` left as it is when no source names
    /// one); nil if `step` is not an exchange.
    ///
    /// ```swift
    /// job.steps.filter { $0.kind == .exchange }.map { job.exchangeTopic(ofStep: $0.id)! }   // ["clickers.per-page.repartition"]
    /// ```
    public func exchangeTopic(ofStep step: Int) -> String? {
        graph.withLock { graph in
            guard graph.steps.indices.contains(step), graph.steps[step].kind == .exchange else { return nil }
            let name = GroupPlan.exchangeName(of: step, in: graph)
            guard let group = graph.steps.lazy.compactMap(\.group).first?.name else { return "<group>.\(name).repartition" }
            return GroupPlan.topicName(group: group, step: name)
        }
    }

    /// Records a problem for `validate()` to report.
    @usableFromInline
    func problem(_ text: String) {
        graph.withLock { $0.extraProblems.append(text) }
    }
}
