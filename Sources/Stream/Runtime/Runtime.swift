#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parallel task runtime: tasks that return futures, a dependency graph, an object store and
/// long-lived actors, run on a fixed set of worker threads.
///
/// Task bodies are synchronous closures over values: they compute, they do not wait. A task
/// that needs other tasks' results names them as inputs and runs when they are ready.
///
/// ```swift
/// let runtime = Runtime(workers: 2)
/// let parts = runtime.submitBatch(count: 4) { i in (i * 100..<(i + 1) * 100).reduce(0, +) }
/// let total = runtime.submit(afterAll: parts) { $0.reduce(0, +) }
/// print(try await total.value)   // 79800
/// ```
public final class Runtime: Sendable {
    @usableFromInline let scheduler: Scheduler
    /// The worker processes remote tasks run in; nil runs them in this process.
    public let processes: WorkerPool?

    /// The number of worker threads.
    public var workerCount: Int { scheduler.workers.count }

    /// Starts `workers` worker threads (by default, one per core), and worker processes for
    /// remote tasks when `processes` says how (see ``submitRemote(_:_:options:)``).
    public init(workers: Int = Runtime.defaultWorkerCount, processes: WorkerPool.Options? = nil) throws {
        scheduler = Scheduler(workerCount: max(1, workers))
        self.processes = try processes.map { try WorkerPool($0) }
        scheduler.start()
    }

    /// Starts `workers` worker threads (by default, one per core); remote tasks run in this process.
    public init(workers: Int = Runtime.defaultWorkerCount) {
        scheduler = Scheduler(workerCount: max(1, workers))
        processes = nil
        scheduler.start()
    }

    deinit {
        processes?.shutdown()
        scheduler.shutdown(join: false)
    }

    /// The number of cores this process may use.
    public static var defaultWorkerCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs what is queued, then stops the workers and waits for them. Tasks submitted later
    /// fail with ``RuntimeError/shutDown``.
    public func shutdown() {
        processes?.shutdown()
        scheduler.shutdown(join: true)
    }

    /// Counts of what the runtime has done, and what its object store holds.
    public var stats: RuntimeStats { scheduler.stats }
}
