import Synchronization

/// One worker of the scheduler: a thread, its own queue of ready work, and its counters.
///
/// `@unchecked Sendable` is safe: `queue` is behind a mutex and `counters` are atomics;
/// `scratch` is touched only by this worker's own thread, inside `Scheduler.findWork`.
final class Worker: @unchecked Sendable {
    let index: Int
    /// Identifies the owning scheduler without holding a reference to it.
    let schedulerID: Int
    let queue = Mutex(PriorityWorkQueue())
    let counters = RuntimeCounters()
    var scratch: [ScheduledWork] = []

    init(index: Int, schedulerID: Int) {
        self.index = index
        self.schedulerID = schedulerID
    }
}
