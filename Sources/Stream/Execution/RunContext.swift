import Synchronization

/// What steps share while a job runs: the runtime, the run's options, the checkpoint it
/// restores from, and the running totals.
///
/// `@unchecked Sendable` is not needed: all mutable state is behind a mutex.
public final class RunContext: Sendable {
    public let runtime: Runtime
    public let job: Job
    public let options: RunOptions
    /// The checkpoint this run resumes from, verified; nil for a fresh start.
    public let restored: Checkpoint?
    /// Waits on the job's clock (real time, or a test's `TestClock`): for polling and timers.
    public let sleep: @Sendable (Duration) async throws -> Void
    /// Processing time now, in milliseconds since the epoch (the test clock's, in tests).
    public let now: @Sendable () -> Int64
    private let totals = Mutex(JobSummary())
    private let statefulSteps = Mutex<[String]>([])
    /// When the run started (for the time to first output).
    let startedAt = ContinuousClock.now
    private let outputSeen = Atomic(false)
    /// When the batch being delivered was read from its source (processing time, milliseconds).
    private let arrival = Atomic(Int64.min)
    private let delivery = Mutex<SourceSpan?>(nil)

    init<C: Clock<Duration>>(runtime: Runtime, job: Job, clock: C, options: RunOptions = RunOptions(), restored: Checkpoint? = nil) {
        self.runtime = runtime
        self.job = job
        self.options = options
        self.restored = restored
        sleep = { try await clock.sleep(for: $0) }
        if let epochClock = clock as? any EpochMillisecondsClock {
            now = { epochClock.epochMilliseconds }
        } else {
            now = systemEpochMilliseconds
        }
    }

    var summary: JobSummary { totals.withLock { $0 } }

    /// The processing time at which the batch now going through the steps was read from its
    /// source (sources read ahead of the steps, so this is earlier than ``now``).
    @usableFromInline
    var arrivalTime: Int64 {
        let time = arrival.load(ordering: .relaxed)
        return time == .min ? now() : time
    }

    /// Notes when the batch about to be delivered was read.
    func delivering(readAt time: Int64) {
        arrival.store(time, ordering: .relaxed)
    }

    /// Which source's batch is going through the steps, and its position after that batch.
    func delivering(from source: String, endingAt position: String?) {
        delivery.withLock { $0 = SourceSpan(source: source, endingAt: position) }
    }

    /// The source batch now going through the steps (for errors and dead letters that name
    /// where a record came from).
    var currentDelivery: SourceSpan? { delivery.withLock { $0 } }

    /// In a group job, the task this run is: its sub-pipeline and partition.
    public var task: TaskScope? { options.task }

    /// The run's live progress (shared with whoever passed it in `RunOptions`).
    public var progress: RunProgress { options.progress }

    /// Counts bad records a source sent to its dead-letter destination.
    public func countDeadLetters(_ count: Int, step: String) {
        totals.withLock { $0.deadLetters += count }
        EngineMetrics.deadLetters(step: step).increment(by: count)
        progress.counter(for: step).addDeadLetters(count)
    }

    /// Counts records a source skipped because they were gone (`stream_records_lost_total`),
    /// by its explicit policy; `dimensions` say where (topic and partition, say).
    public func countLostRecords(_ count: Int, step: String, dimensions: [(String, String)] = []) {
        totals.withLock { $0.recordsLost += count }
        EngineMetrics.recordsLost(step: step, dimensions: dimensions).increment(by: count)
    }

    /// Adds to the run's totals.
    public func count(_ update: (inout JobSummary) -> Void) {
        totals.withLock { update(&$0) }
    }

    /// Notes that a sink wrote records: the first time, records how long the run took to get there.
    func noteOutput() {
        guard !outputSeen.load(ordering: .relaxed), !outputSeen.exchange(true, ordering: .relaxed) else { return }
        let elapsed = ContinuousClock.now - startedAt
        count { $0.firstOutputAfter = elapsed }
    }

    /// Whether sinks must stage output and commit it with checkpoints (exactly once).
    public var isTransactional: Bool { options.takesCheckpoints }

    /// Where a sink writing to `path` writes in this run: `path`, or in a replay a file of that
    /// name in the replay's output directory. A group job's task writes a file of its own beside
    /// it, named for the task (`counts.csv` → `counts.s1-p3.csv`): tasks run in several
    /// instances at once, and each file is exactly once with its task's checkpoints.
    public func outputPath(_ path: String) -> String {
        var path = path
        if let task {
            let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
            if let dot = path[slash...].lastIndex(of: "."), dot != slash {
                path.insert(contentsOf: ".\(task.name)", at: dot)
            } else {
                path += ".\(task.name)"
            }
        }
        guard let directory = options.replayOutputDirectory else { return path }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return "\(directory)/\(name)"
    }

    /// Declares that step `id` keeps state in checkpoints, and returns what the restored
    /// checkpoint holds for it (nil on a fresh start, or if it held nothing for the step).
    public func registerState<State: Decodable>(_ type: State.Type, for id: String) throws -> State? {
        guard let bytes = registerState(for: id) else { return nil }
        return try StateCodec.decode(type, from: bytes, step: id)
    }

    /// ``registerState(_:for:)`` for a step that decodes its state itself.
    public func registerState(for id: String) -> [UInt8]? {
        statefulSteps.withLock { $0.append(id) }
        return restored?.states[id]
    }

    /// The ids of the steps that keep state, in the order they were built.
    var statefulStepIDs: [String] { statefulSteps.withLock { $0 } }
}

/// Where one stream's batches go when the job runs: `consume` for each batch in order, then
/// `finish` once at the end of input (windows fire, sinks close).
///
/// `checkpoint` passes a checkpoint barrier: the step finishes what it was handed, stores its
/// state in the barrier, and passes it downstream; stateless steps just pass it on.
public struct BatchReceiver<Value: Sendable>: Sendable {
    public let consume: @Sendable (RecordBatch<Value>) async throws -> Void
    public let finish: @Sendable () async throws -> Void
    public let checkpoint: @Sendable (CheckpointBarrier) async throws -> Void

    public init(consume: @escaping @Sendable (RecordBatch<Value>) async throws -> Void,
                finish: @escaping @Sendable () async throws -> Void,
                checkpoint: @escaping @Sendable (CheckpointBarrier) async throws -> Void) {
        self.consume = consume
        self.finish = finish
        self.checkpoint = checkpoint
    }

    /// A receiver that sends everything to each of `receivers`, in order.
    @usableFromInline
    static func fanOut(_ receivers: [BatchReceiver<Value>]) -> BatchReceiver<Value> {
        if receivers.count == 1 { return receivers[0] }
        return BatchReceiver(
            consume: { batch in for receiver in receivers { try await receiver.consume(batch) } },
            finish: { for receiver in receivers { try await receiver.finish() } },
            checkpoint: { barrier in for receiver in receivers { try await receiver.checkpoint(barrier) } }
        )
    }

    /// A receiver that drops everything (a stream nobody consumes).
    @usableFromInline
    static var discard: BatchReceiver<Value> {
        BatchReceiver(consume: { _ in }, finish: {}, checkpoint: { _ in })
    }
}

/// A source's batch: the source step and its position after the batch (in the source's notation).
public struct SourceSpan: Sendable, Equatable, CustomStringConvertible {
    public let source: String
    public let endingAt: String?

    public var description: String {
        "source '\(source)', in the batch ending at \(endingAt ?? "an unrecorded position")"
    }
}
