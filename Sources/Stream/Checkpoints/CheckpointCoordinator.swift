import Dispatch
import Logging
import Synchronization

/// Takes a running job's checkpoints: says when one is due, writes each on a background thread
/// (one at a time, while processing goes on), then runs the sinks' commits. A checkpoint that
/// fails to write is logged and counted, and its output stays staged: the next checkpoint
/// that succeeds commits it. It never stops the job — except the final one, which must hold.
final class CheckpointCoordinator: Sendable {
    let store: CheckpointStore
    private let intervalMilliseconds: Int64
    private let queue = DispatchQueue(label: "stream.checkpoint-writer")
    private let state: Mutex<State>
    private let report: @Sendable (CheckpointReport) -> Void
    private let logger = Logger(label: "stream.checkpoint")

    struct State {
        var nextID: Int
        var lastStarted: Int64
        var writing = false
    }

    init(store: CheckpointStore, interval: Duration, startedAt: Int64, report: @escaping @Sendable (CheckpointReport) -> Void) throws {
        self.store = store
        intervalMilliseconds = max(0, interval.milliseconds)
        state = Mutex(State(nextID: try store.nextID(), lastStarted: startedAt))
        self.report = report
    }

    /// Whether a checkpoint should start now: the interval has passed and none is being written.
    func isDue(now: Int64) -> Bool {
        state.withLock { !$0.writing && now - $0.lastStarted >= intervalMilliseconds }
    }

    /// A barrier for the next checkpoint.
    func begin(now: Int64) -> CheckpointBarrier {
        state.withLock { state in
            defer { state.nextID += 1 }
            state.lastStarted = now
            return CheckpointBarrier(id: state.nextID)
        }
    }

    /// Writes the checkpoint in the background; with `waiting`, returns only once it is written
    /// and committed, and throws if it could not be.
    func write(_ barrier: CheckpointBarrier, sources: [String: String], now: Int64, waiting: Bool) async throws {
        state.withLock { $0.writing = true }
        let store = store
        let work: @Sendable () -> Result<CheckpointReport, any Error> = { [self] in
            let started = ContinuousClock.now
            defer { state.withLock { $0.writing = false } }
            do {
                let states = try barrier.encodedStates()
                let confirming = barrier.commitsAreUnrepeatable
                let manifest = try store.write(id: barrier.id, watermark: barrier.watermark, sources: sources, states: states,
                                               createdAt: now, awaitsCommitted: confirming)
                for commit in barrier.commits { try commit() }
                if confirming { try store.confirmCommitted(id: manifest.id) }
                let written = CheckpointReport(id: manifest.id, bytes: states.values.reduce(0) { $0 + $1.count },
                                               duration: ContinuousClock.now - started, createdAt: now, error: nil)
                report(written)
                logger.debug("checkpoint chk-\(manifest.id) written: \(written.bytes) bytes of state in \(written.duration)")
                return .success(written)
            } catch {
                for abort in barrier.aborts { abort() }
                let failed = CheckpointReport(id: barrier.id, bytes: 0, duration: ContinuousClock.now - started, createdAt: now, error: "\(error)")
                report(failed)
                logger.error("checkpoint chk-\(barrier.id) failed (the next one will retry): \(error)")
                return .failure(error)
            }
        }
        if waiting {
            let result = await withCheckedContinuation { continuation in queue.async { continuation.resume(returning: work()) } }
            _ = try result.get()
        } else {
            queue.async { _ = work() }
        }
    }

    /// Waits until every checkpoint handed over so far is written (or failed).
    func drain() async {
        await withCheckedContinuation { continuation in queue.async { continuation.resume() } }
    }
}

/// What became of one checkpoint.
public struct CheckpointReport: Sendable, Equatable {
    public var id: Int
    /// State bytes written (manifest excluded).
    public var bytes: Int
    public var duration: Duration
    /// When it was taken (the barrier), in milliseconds since the epoch.
    public var createdAt: Int64
    /// Why it failed; nil if it was written and committed.
    public var error: String?
}
