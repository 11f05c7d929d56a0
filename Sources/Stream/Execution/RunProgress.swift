import Synchronization

/// What a running job has done so far, for a status line or a metrics poll: read lock-free
/// while the job updates it once per batch.
///
/// ```swift
/// let options = RunOptions(progress: RunProgress())
/// // elsewhere, every second:
/// print(options.progress.recordsIn, options.progress.watermark)
/// ```
public final class RunProgress: Sendable {
    private let readCount = Atomic(0)
    private let writtenCount = Atomic(0)
    private let lateCount = Atomic(0)
    private let watermarkValue = Atomic(EventTime.beginning)
    private let waitedNanos = Atomic(0)
    private let openWindowsByStep = Mutex<[String: Int]>([:])
    private let checkpoint = Mutex<CheckpointReport?>(nil)
    private let failedCheckpoints = Atomic(0)
    private let waits = Mutex<[String: String]>([:])
    @usableFromInline let eventTime = EventTimeBoard()
    private let counters = Mutex<[String: StepCounter]>([:])
    private let checkpointHistory = Mutex<[CheckpointReport]>([])

    public init() {}

    /// Records read by every source.
    public var recordsIn: Int { readCount.load(ordering: .relaxed) }
    /// Records written by every sink.
    public var recordsOut: Int { writtenCount.load(ordering: .relaxed) }
    /// Late records (after allowed lateness) of every window step.
    public var lateRecords: Int { lateCount.load(ordering: .relaxed) }
    /// The largest event-time watermark of the job's event-time steps.
    public var watermark: Int64 { watermarkValue.load(ordering: .relaxed) }
    /// How long the job's driver has waited, in all, for stateful steps to catch up (back-pressure).
    public var backPressure: Duration { .nanoseconds(waitedNanos.load(ordering: .relaxed)) }
    /// Windows holding state, over every window step (session windows: keys with an open session).
    public var openWindows: Int { openWindowsByStep.withLock { $0.values.reduce(0, +) } }
    /// The last checkpoint written, and how many failed.
    public var lastCheckpoint: CheckpointReport? { checkpoint.withLock { $0 } }
    public var checkpointFailures: Int { failedCheckpoints.load(ordering: .relaxed) }

    /// The figures of each step that keeps them, by its metrics name (a named step's id;
    /// `map#3` for an unnamed transform, with its step number).
    public var stepCounters: [String: StepCounter] {
        counters.withLock { $0 }
    }

    /// The counter of step `step` (made on first use).
    @usableFromInline
    func counter(for step: String) -> StepCounter {
        counters.withLock { counters in
            if let counter = counters[step] { return counter }
            let counter = StepCounter()
            counters[step] = counter
            return counter
        }
    }

    /// Every source partition's event time (sources that make event time, and event-time steps).
    public var sourcePartitions: [PartitionProgress] { eventTime.sourcePartitions }
    /// Every window step's watermark, next firing and watermark rate.
    public var windowSteps: [WindowProgress] { eventTime.windowSteps }
    /// The last checkpoints attempted (up to 100), oldest first, failures included.
    public var checkpoints: [CheckpointReport] { checkpointHistory.withLock { $0 } }

    /// Replaces what source `source` says of its partitions' event time (a source calls it once a batch).
    public func partitions(of source: String, _ progress: [PartitionProgress]) {
        eventTime.update(source: source, progress)
    }

    /// What steps are waiting for, by step: "files matching data/*.csv", say.
    public var waitingFor: [String: String] { waits.withLock { $0 } }

    /// Notes that step `step` waits for `what` (nil: it no longer waits), for the status line.
    public func waiting(_ step: String, for what: String?) {
        waits.withLock { $0[step] = what }
    }

    func read(_ count: Int) { readCount.add(count, ordering: .relaxed) }
    func wrote(_ count: Int) { writtenCount.add(count, ordering: .relaxed) }
    func late(_ count: Int) { lateCount.add(count, ordering: .relaxed) }
    @usableFromInline
    func waited(_ duration: Duration) {
        waitedNanos.add(Int(duration.nanoseconds), ordering: .relaxed)
    }

    func watermark(_ value: Int64) {
        var current = watermarkValue.load(ordering: .relaxed)
        while value > current {
            let (exchanged, original) = watermarkValue.compareExchange(expected: current, desired: value, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    func openWindows(_ count: Int, step: String) { openWindowsByStep.withLock { $0[step] = count } }

    func checkpointed(_ report: CheckpointReport) {
        if report.error == nil { checkpoint.withLock { $0 = report } } else { failedCheckpoints.add(1, ordering: .relaxed) }
        checkpointHistory.withLock { history in
            history.append(report)
            if history.count > 100 { history.removeFirst(history.count - 100) }
        }
    }
}
