import Synchronization

/// Event counts that add up to ``RuntimeStats``.
///
/// Each worker owns one set, so the hot path never writes a cache line another core writes;
/// threads outside the runtime share the scheduler's set. Reading sums all sets.
final class RuntimeCounters: Sendable {
    let tasksRun = Atomic<Int>(0)
    let tasksRetried = Atomic<Int>(0)
    let tasksFailed = Atomic<Int>(0)
    let tasksCancelled = Atomic<Int>(0)
    let objectsStored = Atomic<Int>(0)
    let bytesStored = Atomic<Int>(0)
    let objectsFreed = Atomic<Int>(0)
    let bytesFreed = Atomic<Int>(0)
    let actorCalls = Atomic<Int>(0)
    let actorCallsQueued = Atomic<Int>(0)
    let actorRestarts = Atomic<Int>(0)

    func add(to stats: inout RuntimeStats) {
        stats.tasksRun += tasksRun.load(ordering: .relaxed)
        stats.tasksRetried += tasksRetried.load(ordering: .relaxed)
        stats.tasksFailed += tasksFailed.load(ordering: .relaxed)
        stats.tasksCancelled += tasksCancelled.load(ordering: .relaxed)
        stats.objectsHeld += objectsStored.load(ordering: .relaxed) - objectsFreed.load(ordering: .relaxed)
        stats.bytesHeld += bytesStored.load(ordering: .relaxed) - bytesFreed.load(ordering: .relaxed)
        stats.actorCalls += actorCalls.load(ordering: .relaxed)
        stats.actorCallsWaiting += actorCallsQueued.load(ordering: .relaxed) - actorCalls.load(ordering: .relaxed)
        stats.actorRestarts += actorRestarts.load(ordering: .relaxed)
    }
}

extension Atomic where Value == Int {
    /// Adds one, with no ordering: counters only need eventual totals.
    @inline(__always)
    func increment(by amount: Int = 1) {
        wrappingAdd(amount, ordering: .relaxed)
    }
}
