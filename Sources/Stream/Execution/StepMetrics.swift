import Synchronization
import Metrics

/// A step's counters in swift-metrics, labelled with the step: records in and out, late
/// records. Updated once per batch; they cost nothing until a metrics backend is bootstrapped
/// (`stream-job --metrics-port` bootstraps Prometheus).
@usableFromInline
struct StepMetrics: Sendable {
    let recordsIn: Counter
    let recordsOut: Counter
    /// The same counts for the console (lock-free), when the step has a run's progress.
    let console: StepCounter?

    @usableFromInline
    init(step: String, progress: RunProgress? = nil) {
        recordsIn = Counter(label: "stream_records_in_total", dimensions: [("step", step)])
        recordsOut = Counter(label: "stream_records_out_total", dimensions: [("step", step)])
        console = progress?.counter(for: step)
    }

    @usableFromInline
    func counted(in input: Int, out output: Int) {
        if input > 0 { recordsIn.increment(by: input) }
        if output > 0 { recordsOut.increment(by: output) }
        console?.add(in: input, out: output)
    }
}

/// One step's figures for the console: records in and out, late records, dead letters, and
/// the time the driver waited on it (back-pressure); atomics, added to once a batch.
public final class StepCounter: Sendable {
    private let inCount = Atomic(0)
    private let outCount = Atomic(0)
    private let lateCount = Atomic(0)
    private let deadLetterCount = Atomic(0)
    private let waitedNanos = Atomic(0)

    func add(in input: Int, out output: Int) {
        if input > 0 { inCount.add(input, ordering: .relaxed) }
        if output > 0 { outCount.add(output, ordering: .relaxed) }
    }

    func addLate(_ count: Int) { lateCount.add(count, ordering: .relaxed) }
    func addDeadLetters(_ count: Int) { deadLetterCount.add(count, ordering: .relaxed) }
    @usableFromInline
    func addWaited(_ duration: Duration) { waitedNanos.add(Int(duration.nanoseconds), ordering: .relaxed) }

    public var recordsIn: Int { inCount.load(ordering: .relaxed) }
    public var recordsOut: Int { outCount.load(ordering: .relaxed) }
    public var lateRecords: Int { lateCount.load(ordering: .relaxed) }
    public var deadLetters: Int { deadLetterCount.load(ordering: .relaxed) }
    /// How long the job's driver waited for this step's work in flight.
    public var backPressure: Duration { .nanoseconds(waitedNanos.load(ordering: .relaxed)) }
}

/// The engine's other metrics, by name (see docs/CONFIGURATION.md, "Metrics").
enum EngineMetrics {
    static func late(step: String) -> Counter { Counter(label: "stream_late_records_total", dimensions: [("step", step)]) }
    static func errors(step: String) -> Counter { Counter(label: "stream_errors_total", dimensions: [("step", step)]) }
    static func watermark(step: String) -> Gauge { Gauge(label: "stream_watermark_ms", dimensions: [("step", step)]) }
    static func watermarkLag(step: String) -> Gauge { Gauge(label: "stream_watermark_lag_ms", dimensions: [("step", step)]) }
    static func inFlight(step: String) -> Gauge { Gauge(label: "stream_in_flight_batches", dimensions: [("step", step)]) }
    static func openWindows(step: String) -> Gauge { Gauge(label: "stream_open_windows", dimensions: [("step", step)]) }
    static let checkpointDuration = Metrics.Timer(label: "stream_checkpoint_duration_seconds")
    static let checkpointBytes = Gauge(label: "stream_checkpoint_bytes")
    static let checkpoints = Counter(label: "stream_checkpoints_total")
    static let checkpointFailures = Counter(label: "stream_checkpoint_failures_total")
    static func deadLetters(step: String) -> Counter { Counter(label: "stream_dead_letters_total", dimensions: [("step", step)]) }
    static func poisonRecords(step: String) -> Counter { Counter(label: "stream_poison_records_total", dimensions: [("step", step)]) }
    static let remoteTasks = Counter(label: "stream_remote_tasks_total")
    static let workerRestarts = Counter(label: "stream_worker_restarts_total")
    static func recordsLost(step: String, dimensions: [(String, String)]) -> Counter {
        Counter(label: "stream_records_lost_total", dimensions: [("step", step)] + dimensions)
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A stateful step's gauges, and its waiting on work in flight (the back-pressure it exerts).
@usableFromInline
struct OperatorGauges: Sendable {
    @usableFromInline let step: String
    let inFlight: Gauge
    let openWindows: Gauge
    let late: Counter

    @usableFromInline
    init(step: String) {
        self.step = step
        inFlight = EngineMetrics.inFlight(step: step)
        openWindows = EngineMetrics.openWindows(step: step)
        late = EngineMetrics.late(step: step)
    }

    @usableFromInline
    func record(inFlight count: Int) { inFlight.record(count) }

    @usableFromInline
    func record(openWindows count: Int, progress: RunProgress) {
        openWindows.record(count)
        progress.openWindows(count, step: step)
    }

    @usableFromInline
    func count(late records: Int, progress: RunProgress) {
        late.increment(by: records)
        progress.late(records)
        progress.counter(for: step).addLate(records)
    }

    /// The task's value; the time spent waiting for it, if it was not ready, is back-pressure.
    @inlinable
    func waiting<T>(for task: TaskRef<T>, progress: RunProgress) async throws -> T {
        if task.isReady { return try await task.value }
        let started = ContinuousClock.now
        defer {
            let waited = ContinuousClock.now - started
            progress.waited(waited)
            progress.counter(for: step).addWaited(waited)
        }
        return try await task.value
    }
}

/// An event-time step's watermark and lag gauges.
@usableFromInline
struct WatermarkGauges: Sendable {
    let watermark: Gauge
    let lag: Gauge

    @usableFromInline
    init(step: String) {
        watermark = EngineMetrics.watermark(step: step)
        lag = EngineMetrics.watermarkLag(step: step)
    }

    /// Records the watermark and its lag behind processing time `now`.
    @usableFromInline
    func record(_ value: Int64, now: Int64, progress: RunProgress) {
        guard value > EventTime.beginning else { return }
        watermark.record(value)
        lag.record(now - value)
        progress.watermark(value)
    }
}
