import Synchronization

/// How a job runs: where its checkpoints go and how often, and what it restores from.
///
/// ```swift
/// var options = RunOptions(checkpointDirectory: "state", checkpointInterval: .seconds(1))
/// options.restore = .latest
/// try await job.run(options: options)
/// ```
public struct RunOptions: Sendable {
    /// Checkpoints go to `<checkpointDirectory>/<job>/chk-<n>/`; nil takes none (and sinks
    /// write straight to their files).
    public var checkpointDirectory: String?
    /// How often a checkpoint is taken (measured on the job's clock, checked between batches).
    public var checkpointInterval: Duration
    /// How many complete checkpoints are kept.
    public var retainedCheckpoints: Int
    /// The checkpoint to resume from; nil starts afresh (removing staged output).
    public var restore: RestorePoint?
    /// Replay: restore from `restore`, write every sink's output into this directory instead of
    /// its own path, and take no checkpoints, so the original output and checkpoints stay as they were.
    public var replayOutputDirectory: String?
    /// Lets another task ask for a checkpoint or a graceful stop while the job runs.
    public var control: RunControl
    /// What the run has done so far, for a status line.
    public var progress: RunProgress
    /// The pipeline's settings this run was built with, recorded in its checkpoints so a
    /// restore can say which changed (`stream-job` passes them; nil for a job run from code).
    public var settings: [String: String]?
    /// Restore even if the checkpoint holds state for steps the pipeline no longer has, dropping
    /// that state (as Flink's `--allowNonRestoredState`); otherwise such a restore is refused.
    public var allowNonRestoredState = false
    /// Runs every stateless step over `Codable` records in the runtime's worker processes, as
    /// if each were marked ``DataStream/isolated(_:deadLetters:timeout:)`` (without dead letters).
    public var isolateStatelessSteps = false
    /// In a group job, the task this run is (set by the engine for each task it runs).
    public internal(set) var task: TaskScope?

    public init(checkpointDirectory: String? = nil, checkpointInterval: Duration = .seconds(10), retainedCheckpoints: Int = 3,
                restore: RestorePoint? = nil, replayOutputDirectory: String? = nil, control: RunControl = RunControl(),
                progress: RunProgress = RunProgress()) {
        self.checkpointDirectory = checkpointDirectory
        self.checkpointInterval = checkpointInterval
        self.retainedCheckpoints = retainedCheckpoints
        self.restore = restore
        self.replayOutputDirectory = replayOutputDirectory
        self.control = control
        self.progress = progress
    }

    /// Whether checkpoints are written (not in a replay).
    public var takesCheckpoints: Bool { checkpointDirectory != nil && replayOutputDirectory == nil }
}

/// Which checkpoint to resume from.
public enum RestorePoint: Sendable, Equatable, CustomStringConvertible {
    /// The newest complete checkpoint; a job with none starts afresh. A corrupt newest one is an
    /// error naming it and the checkpoint `latestValid` would take.
    case latest
    /// The newest checkpoint that reads back whole, passing over corrupt newer ones.
    case latestValid
    /// `chk-<n>`; it must exist and be intact.
    case checkpoint(Int)

    /// Parses `latest`, `latest-valid`, `chk-7` or `7`.
    public init?(_ text: String) {
        if text == "latest" { self = .latest; return }
        if text == "latest-valid" { self = .latestValid; return }
        let digits = text.hasPrefix("chk-") ? String(text.dropFirst(4)) : text
        guard let id = Int(digits), id > 0 else { return nil }
        self = .checkpoint(id)
    }

    public var description: String {
        switch self {
        case .latest: "latest"
        case .latestValid: "latest-valid"
        case .checkpoint(let id): "chk-\(id)"
        }
    }
}

/// Requests to a running job, from signal handlers, tests or an operator's command.
///
/// ```swift
/// let control = RunControl()
/// async let summary = job.run(options: RunOptions(checkpointDirectory: "state", control: control))
/// control.stop()     // stop reading, drain, take a final checkpoint, commit, return
/// ```
public final class RunControl: Sendable {
    private let stopRequested = Atomic(false)
    private let checkpointRequested = Atomic(false)
    private let stopHandlers = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    /// Stops the job gracefully at the next batch boundary: no more input is read, what was read
    /// is processed, a final checkpoint is taken and output committed; windows do not fire early.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        for handler in stopHandlers.withLock({ $0 }) { handler() }
    }

    /// Calls `handler` when a stop is requested (the driver wakes up for it).
    func onStop(_ handler: @escaping @Sendable () -> Void) {
        stopHandlers.withLock { $0.append(handler) }
        if isStopRequested { handler() }
    }

    /// Takes a checkpoint at the next batch boundary, whatever the interval.
    public func requestCheckpoint() { checkpointRequested.store(true, ordering: .releasing) }

    public var isStopRequested: Bool { stopRequested.load(ordering: .acquiring) }

    func takeCheckpointRequest() -> Bool { checkpointRequested.exchange(false, ordering: .acquiringAndReleasing) }
}
