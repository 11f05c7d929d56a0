import Synchronization

/// A checkpoint passing through the job's graph between two batches. Each stateful step,
/// once it has finished the work already handed to it, stores its state here and passes the
/// barrier on; sinks stage their output and register the commit to run once the checkpoint is
/// on disk.
///
/// ```swift
/// checkpoint: { barrier in
///     try barrier.store(myState, for: "dedupe")
///     try await downstream.checkpoint(barrier)
/// }
/// ```
public final class CheckpointBarrier: Sendable {
    /// The checkpoint's number: `chk-<id>`.
    public let id: Int
    private let contents = Mutex(Contents())

    struct Contents {
        var states: [String: @Sendable () throws -> [UInt8]] = [:]
        var commits: [@Sendable () throws -> Void] = []
        var aborts: [@Sendable () -> Void] = []
        var commitsAreUnrepeatable = false
        var watermark = EventTime.beginning
    }

    init(id: Int) {
        self.id = id
    }

    /// Stores a step's state. It is encoded (with ``StateCodec``) on the checkpoint writer's
    /// thread, so pass a value (a copy), not a reference to what the step goes on changing.
    public func store<State: Encodable & Sendable>(_ state: State, for step: String) {
        store(for: step) { try StateCodec.encode(state, step: step) }
    }

    /// Stores a step's state, encoded by `encode` on the checkpoint writer's thread.
    public func store(for step: String, encode: @escaping @Sendable () throws -> [UInt8]) {
        contents.withLock { $0.states[step] = encode }
    }

    /// Runs `commit` once this checkpoint is durable (in checkpoint order, off the job's driver).
    /// A commit must be idempotent: after a crash, restore may run it again.
    public func onCommit(_ commit: @escaping @Sendable () throws -> Void) {
        contents.withLock { $0.commits.append(commit) }
    }

    /// Declares that a commit registered here cannot be run again after a crash (a Kafka
    /// transaction cannot be finished by another producer): the checkpoint is then restorable
    /// only once all its commits have completed, and a restore falls back to the one before.
    ///
    /// ```swift
    /// barrier.commitsCannotBeRepeated()
    /// barrier.onCommit { try producer.commitTransaction(timeout: .seconds(30)) }
    /// ```
    public func commitsCannotBeRepeated() {
        contents.withLock { $0.commitsAreUnrepeatable = true }
    }

    /// Runs `abort` if this checkpoint fails to be written: its commits will not run, and what a
    /// sink staged for it is to be committed by the next checkpoint that succeeds.
    ///
    /// ```swift
    /// barrier.onCommit { try transaction.commit() }
    /// barrier.onAbort { transaction.reopen() }
    /// ```
    public func onAbort(_ abort: @escaping @Sendable () -> Void) {
        contents.withLock { $0.aborts.append(abort) }
    }

    /// Notes an event-time watermark, for the manifest (the largest is kept).
    public func note(watermark: Int64) {
        contents.withLock { $0.watermark = max($0.watermark, watermark) }
    }

    /// Every stored state, encoded now.
    func encodedStates() throws -> [String: [UInt8]] {
        try contents.withLock { $0.states }.mapValues { try $0() }
    }
    var commits: [@Sendable () throws -> Void] { contents.withLock { $0.commits } }
    var aborts: [@Sendable () -> Void] { contents.withLock { $0.aborts } }
    var commitsAreUnrepeatable: Bool { contents.withLock { $0.commitsAreUnrepeatable } }
    var watermark: Int64 { contents.withLock { $0.watermark } }
}
