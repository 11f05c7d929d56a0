#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Parks idle workers and wakes them when work arrives, without losing a wake-up.
///
/// An event count: a worker announces itself (`prepareToPark`), looks for work once more,
/// and only then sleeps if no `notify` happened in between. Submitters pay one atomic load
/// when nobody sleeps.
///
/// `@unchecked Sendable` is safe: `epoch` and `isShutDown` are read and written only while
/// holding `mutex`; the mutex and condition live in memory this object allocates and frees.
final class IdleWorkers: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var epoch: UInt64 = 0
    private var isShutDown = false
    private let sleepers = Atomic<Int>(0)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// How many workers are parked or about to park.
    var sleeperCount: Int { sleepers.load(ordering: .relaxed) }

    /// Announces that the caller is about to park; it must look for work once more, then call
    /// `park(_:)` with the returned token, or `cancelPark()` if it found some.
    func prepareToPark() -> UInt64 {
        sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return epoch
    }

    func cancelPark() {
        sleepers.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Sleeps until a `notify` after `token`, or shutdown.
    func park(_ token: UInt64) {
        pthread_mutex_lock(mutex)
        while epoch == token && !isShutDown {
            pthread_cond_wait(condition, mutex)
        }
        pthread_mutex_unlock(mutex)
        sleepers.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Wakes one parked worker, if any. Call after making work visible.
    func notifyOne() { notify(all: false) }

    /// Wakes every parked worker. Call after making several pieces of work visible.
    func notifyAll() { notify(all: true) }

    private func notify(all: Bool) {
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard sleepers.load(ordering: .sequentiallyConsistent) > 0 else { return }
        pthread_mutex_lock(mutex)
        epoch &+= 1
        if all { pthread_cond_broadcast(condition) } else { pthread_cond_signal(condition) }
        pthread_mutex_unlock(mutex)
    }

    /// Wakes everyone for good: `park` returns at once from now on.
    func shutDown() {
        pthread_mutex_lock(mutex)
        isShutDown = true
        epoch &+= 1
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}
