import Synchronization

/// What steps share while a job runs: the runtime, and the running totals.
///
/// `@unchecked Sendable` is not needed: all mutable state is behind a mutex.
public final class RunContext: Sendable {
    public let runtime: Runtime
    public let job: Job
    /// Waits on the job's clock (real time, or a test's `TestClock`): for polling and timers.
    public let sleep: @Sendable (Duration) async throws -> Void
    /// Processing time now, in milliseconds since the epoch (the test clock's, in tests).
    public let now: @Sendable () -> Int64
    private let totals = Mutex(JobSummary())
    private let receivers = Mutex<[ObjectIdentifier: any Sendable]>([:])

    init<C: Clock<Duration>>(runtime: Runtime, job: Job, clock: C) {
        self.runtime = runtime
        self.job = job
        sleep = { try await clock.sleep(for: $0) }
        if let epochClock = clock as? any EpochMillisecondsClock {
            now = { epochClock.epochMilliseconds }
        } else {
            now = systemEpochMilliseconds
        }
    }

    var summary: JobSummary { totals.withLock { $0 } }

    /// Adds to the run's totals.
    public func count(_ update: (inout JobSummary) -> Void) {
        totals.withLock { update(&$0) }
    }

    /// The receiver built for `node` in this run, building it once.
    func receiver<Value>(for node: StreamNode<Value>, build: () throws -> BatchReceiver<Value>) rethrows -> BatchReceiver<Value> {
        let id = ObjectIdentifier(node)
        if let existing = receivers.withLock({ $0[id] }) as? BatchReceiver<Value> { return existing }
        let made = try build()
        receivers.withLock { $0[id] = made }
        return made
    }
}

/// Where one stream's batches go when the job runs: `consume` for each batch in order, then
/// `finish` once at the end of input (windows fire, sinks close).
public struct BatchReceiver<Value: Sendable>: Sendable {
    public let consume: @Sendable (RecordBatch<Value>) async throws -> Void
    public let finish: @Sendable () async throws -> Void

    public init(consume: @escaping @Sendable (RecordBatch<Value>) async throws -> Void,
                finish: @escaping @Sendable () async throws -> Void) {
        self.consume = consume
        self.finish = finish
    }

    /// A receiver that sends everything to each of `receivers`, in order.
    static func fanOut(_ receivers: [BatchReceiver<Value>]) -> BatchReceiver<Value> {
        if receivers.count == 1 { return receivers[0] }
        return BatchReceiver(
            consume: { batch in for receiver in receivers { try await receiver.consume(batch) } },
            finish: { for receiver in receivers { try await receiver.finish() } }
        )
    }

    /// A receiver that drops everything (a stream nobody consumes).
    static var discard: BatchReceiver<Value> {
        BatchReceiver(consume: { _ in }, finish: {})
    }
}

/// One stream in the graph: the consumers attached to it, built into receivers at run time.
@usableFromInline
final class StreamNode<Value: Sendable>: Sendable {
    @usableFromInline let step: Int
    @usableFromInline let job: Job
    private let consumers = Mutex<[@Sendable (RunContext) throws -> BatchReceiver<Value>]>([])

    @usableFromInline
    init(step: Int, job: Job) {
        self.step = step
        self.job = job
    }

    @usableFromInline
    func attach(_ consumer: @escaping @Sendable (RunContext) throws -> BatchReceiver<Value>) {
        consumers.withLock { $0.append(consumer) }
    }

    @usableFromInline
    var hasConsumers: Bool { consumers.withLock { !$0.isEmpty } }

    @usableFromInline
    func receiver(in context: RunContext) throws -> BatchReceiver<Value> {
        try context.receiver(for: self) {
            let made = try consumers.withLock { $0 }.map { try $0(context) }
            return made.isEmpty ? .discard : .fanOut(made)
        }
    }
}
