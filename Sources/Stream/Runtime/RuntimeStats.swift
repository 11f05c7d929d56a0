/// What a ``Runtime`` has done so far, and what its object store holds now.
///
/// ```swift
/// let stats = runtime.stats
/// print(stats.tasksRun, stats.objectsHeld, stats.bytesHeld)   // 10000 1 1048576
/// ```
public struct RuntimeStats: Sendable, Equatable, CustomStringConvertible {
    /// Task bodies that ran to completion (success or final failure); retries not counted.
    public var tasksRun = 0
    /// Attempts that threw and were scheduled again.
    public var tasksRetried = 0
    /// Tasks whose error reached their callers after all retries.
    public var tasksFailed = 0
    /// Tasks cancelled before they started, or whose input was cancelled.
    public var tasksCancelled = 0
    /// Task results and `put` values alive in the object store.
    public var objectsHeld = 0
    /// Estimated bytes of those results (see ``ByteCountable``).
    public var bytesHeld = 0
    /// Actor calls delivered.
    public var actorCalls = 0
    /// Actor calls queued in mailboxes, not yet delivered (all actors together).
    public var actorCallsWaiting = 0
    /// Actors rebuilt from their last snapshot after a fatal error.
    public var actorRestarts = 0

    public init() {}

    public var description: String {
        "tasks run \(tasksRun), retried \(tasksRetried), failed \(tasksFailed), cancelled \(tasksCancelled); "
            + "objects held \(objectsHeld) (\(bytesHeld) bytes); actor calls \(actorCalls), restarts \(actorRestarts)"
    }
}
