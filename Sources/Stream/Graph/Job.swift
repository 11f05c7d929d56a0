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

    public init(_ name: String) {
        self.name = name
    }

    /// Adds a step to the graph description; returns its number.
    @usableFromInline
    func addStep(_ kind: String, name: String?, inputs: [Int]) -> Int {
        graph.withLock { $0.add(kind, name: name, inputs: inputs) }
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
            throw StreamError(.invalidJob, step: name, action: "validate",
                              message: problems.count == 1 ? problems[0] : "\n  - " + problems.joined(separator: "\n  - "))
        }
    }

    /// The steps and their edges, one per line: `source clicks -> map -> window per-minute -> sink counts`.
    public var steps: [JobGraph.Step] { graph.withLock { $0.steps } }

    /// Runs the job to the end of its input on `runtime` (or a new runtime with one worker per
    /// core), validating first. A job over a continuous source (a followed file) runs until its
    /// task is cancelled, and then throws `CancellationError`, or until `options.control` asks
    /// it to stop. `clock` paces polling and checkpoints; tests pass a `TestClock`.
    ///
    /// With a checkpoint directory in `options`, checkpoints are taken every interval and at
    /// the end, and sinks commit their output with them (exactly once); `options.restore`
    /// resumes from one.
    @discardableResult
    public func run<C: Clock<Duration>>(on runtime: Runtime? = nil, clock: C = ContinuousClock(),
                                        options: RunOptions = RunOptions()) async throws -> JobSummary {
        try validate()
        let ownRuntime = runtime == nil ? Runtime() : nil
        defer { ownRuntime?.shutdown() }
        let runtime = runtime ?? ownRuntime!
        let restored = try checkpointToRestore(options)
        let context = RunContext(runtime: runtime, job: self, clock: clock, options: options, restored: restored)
        defer { context.releaseReceivers() }
        let sources = try graph.withLock { $0.sourceRunners }.map { try $0(context) }
        try checkRestored(restored, stateful: context.statefulStepIDs, sources: sources.map(\.id))
        if restored != nil {
            let took = ContinuousClock.now - context.startedAt
            context.count { $0.restoreDuration = took }
        }
        var coordinator: CheckpointCoordinator?
        if options.takesCheckpoints, let directory = options.checkpointDirectory {
            let store = CheckpointStore(root: directory, job: name, retain: options.retainedCheckpoints)
            coordinator = try CheckpointCoordinator(store: store, interval: options.checkpointInterval, startedAt: context.now()) { report in
                context.progress.checkpointed(report)
                if report.error == nil {
                    EngineMetrics.checkpoints.increment()
                    EngineMetrics.checkpointDuration.recordNanoseconds(report.duration.nanoseconds)
                    EngineMetrics.checkpointBytes.record(report.bytes)
                } else {
                    EngineMetrics.checkpointFailures.increment()
                }
                context.count { summary in
                    if report.error == nil { summary.checkpoints += 1 } else { summary.failedCheckpoints += 1 }
                    summary.lastCheckpoint = report
                }
            }
        }
        var driver = JobDriver(context: context, sources: sources, coordinator: coordinator)
        do {
            try await driver.run()
        } catch {
            await coordinator?.drain()
            EngineMetrics.errors(step: (error as? StreamError)?.step ?? name).increment()
            throw error
        }
        return context.summary
    }
}

/// What a finished run did.
public struct JobSummary: Sendable, Equatable {
    public init() {}

    /// Records read from every source.
    public var recordsRead = 0
    /// Records written to every sink.
    public var recordsWritten = 0
    /// Late records that reached no sink because the window's late stream was not connected.
    public var lateRecordsUnconnected = 0
    /// Bad records sent to a dead-letter destination instead of failing the job.
    public var deadLetters = 0
    /// Checkpoints written and committed.
    public var checkpoints = 0
    /// Checkpoints that failed to write (each retried by the next).
    public var failedCheckpoints = 0
    /// The last checkpoint attempted.
    public var lastCheckpoint: CheckpointReport?
    /// How long reading, verifying and loading the restored checkpoint took (nil on a fresh start).
    public var restoreDuration: Duration?
    /// How long after the start of the run the first records reached a sink.
    public var firstOutputAfter: Duration?
}

/// The description of a job's graph, for validation and display.
public struct JobGraph: Sendable {
    public struct Step: Sendable, CustomStringConvertible {
        public var id: Int
        public var kind: String
        public var name: String?
        public var inputs: [Int]
        public var description: String { name.map { "\(kind) '\($0)'" } ?? kind }
    }

    public private(set) var steps: [Step] = []
    var extraProblems: [String] = []
    var sourceRunners: [@Sendable (RunContext) throws -> SourceDriver] = []

    mutating func add(_ kind: String, name: String?, inputs: [Int]) -> Int {
        steps.append(Step(id: steps.count, kind: kind, name: name, inputs: inputs))
        return steps.count - 1
    }

    func problems() -> [String] {
        var problems = extraProblems
        var seen: [String: String] = [:]
        for step in steps {
            guard let name = step.name else { continue }
            if let other = seen[name] {
                problems.append("step id '\(name)' is used by both a \(other) and a \(step.kind) step; give each stateful or I/O step its own id")
            }
            seen[name] = step.kind
        }
        if sourceRunners.isEmpty { problems.append("the job has no source; add one with job.source(_:_:)") }
        let consumed = Set(steps.flatMap(\.inputs))
        // A late stream left unconnected is allowed: its records are counted and logged, not lost silently.
        for step in steps where !consumed.contains(step.id) && step.kind != "sink" && step.kind != "late" {
            problems.append("the output of \(step) goes nowhere; end it with .sink(_:_:)")
        }
        return problems
    }
}
