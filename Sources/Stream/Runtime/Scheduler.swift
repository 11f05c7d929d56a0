import Synchronization

/// Hands ready work to idle workers.
///
/// Each worker has its own priority queue. Work made ready on a worker (a task's dependents,
/// a task submitted from inside a task) goes to that worker's queue; work from other threads
/// goes to a shared injector queue. A worker looks at its own queue first (unless the injector
/// holds something more urgent), then takes a share of the injector, then steals half of
/// another worker's most urgent work. Idle workers spin briefly, then park.
///
/// `@unchecked Sendable` is safe: every mutable field is a `Mutex` or an `Atomic`, and
/// `workers` is immutable after init.
@usableFromInline
final class Scheduler: @unchecked Sendable {
    let workers: [Worker]
    let injector = Mutex(PriorityWorkQueue())
    /// The injector's front priority (`Int64.max` when empty), read without its lock.
    private let injectorFront = Atomic<Int64>(Int64.max)
    let idle = IdleWorkers()
    /// Counters for events on threads outside the runtime.
    let externalCounters = RuntimeCounters()
    private let shuttingDown = Atomic<Bool>(false)
    private let threads = Mutex<[WorkerThread]>([])

    /// How many times an idle worker looks for work before it parks.
    private let spinLimit = 64
    /// The most a worker takes from the injector or a victim at once.
    private let batchLimit = 64

    private static let nextID = Atomic<Int>(0)
    /// Tells this scheduler's workers apart from other runtimes' in the same process.
    let id: Int

    init(workerCount: Int) {
        precondition(workerCount > 0, "a runtime needs at least one worker")
        let id = Self.nextID.wrappingAdd(1, ordering: .relaxed).newValue
        self.id = id
        workers = (0..<workerCount).map { Worker(index: $0, schedulerID: id) }
    }

    @usableFromInline
    var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }

    func start() {
        threads.withLock { threads in
            precondition(threads.isEmpty, "scheduler started twice")
            for worker in workers {
                threads.append(WorkerThread { [self] in
                    self.runLoop(worker)
                })
            }
        }
    }

    /// Stops the workers once every queue is empty. With `join`, waits for their threads,
    /// unless called from one of them; threads not waited for are detached, so what they hold
    /// is released when they end.
    func shutdown(join: Bool) {
        if shuttingDown.exchange(true, ordering: .acquiringAndReleasing) == false {
            idle.shutDown()
        }
        let stopping = threads.withLock { threads in
            defer { threads.removeAll() }
            return threads
        }
        for thread in stopping {
            if join && !thread.isCurrent { thread.join() } else { thread.detach() }
        }
    }

    // MARK: Making work ready

    /// Makes `work` ready to run.
    func schedule(_ work: ScheduledWork) {
        if let worker = CurrentWorker.current, worker.schedulerID == id {
            let queued = worker.queue.withLock { queue in
                queue.push(work)
                return queue.count
            }
            // One ready item is this worker's next; more can keep a sleeping worker busy.
            if queued > 1 { idle.notifyOne() }
        } else {
            injector.withLock { queue in
                queue.push(work)
                injectorFront.store(queue.frontPriority ?? .max, ordering: .relaxed)
            }
            idle.notifyOne()
        }
    }

    /// Makes a batch ready with one queue operation and one wake-up.
    @usableFromInline
    func schedule(batch: [ScheduledWork]) {
        guard !batch.isEmpty else { return }
        if let worker = CurrentWorker.current, worker.schedulerID == id {
            worker.queue.withLock { queue in
                for work in batch { queue.push(work) }
            }
        } else {
            injector.withLock { queue in
                for work in batch { queue.push(work) }
                injectorFront.store(queue.frontPriority ?? .max, ordering: .relaxed)
            }
        }
        if batch.count > 1 { idle.notifyAll() } else { idle.notifyOne() }
    }

    // MARK: Workers

    private func runLoop(_ worker: Worker) {
        CurrentWorker.set(worker)
        defer { CurrentWorker.set(nil) }
        while true {
            if let work = findWork(for: worker) {
                work.run(on: worker)
                continue
            }
            if let work = spin(worker) {
                work.run(on: worker)
                continue
            }
            let token = idle.prepareToPark()
            if let work = findWork(for: worker) {
                idle.cancelPark()
                work.run(on: worker)
                continue
            }
            if isShuttingDown {
                idle.cancelPark()
                return
            }
            idle.park(token)
        }
    }

    private func spin(_ worker: Worker) -> ScheduledWork? {
        for _ in 0..<spinLimit {
            if let work = findWork(for: worker) { return work }
            if isShuttingDown { return nil }
        }
        return nil
    }

    /// The next work for `worker`: its own queue, the injector, or a steal.
    func findWork(for worker: Worker) -> ScheduledWork? {
        let injectorPriority = injectorFront.load(ordering: .relaxed)
        let local = worker.queue.withLock { queue -> ScheduledWork? in
            guard let front = queue.frontPriority, front <= injectorPriority else { return nil }
            return queue.pop()
        }
        if let local { return local }
        if injectorPriority != .max, let work = takeFromInjector(for: worker) { return work }
        if let local = worker.queue.withLock({ $0.pop() }) { return local }
        return steal(for: worker)
    }

    private func takeFromInjector(for worker: Worker) -> ScheduledWork? {
        let share = workers.count
        injector.withLock { queue in
            let amount = min(batchLimit, max(1, queue.count / share))
            queue.take(upTo: amount, into: &worker.scratch)
            injectorFront.store(queue.frontPriority ?? .max, ordering: .relaxed)
        }
        return keepFirst(of: worker)
    }

    private func steal(for worker: Worker) -> ScheduledWork? {
        let count = workers.count
        guard count > 1 else { return nil }
        for offset in 1..<count {
            let victim = workers[(worker.index + offset) % count]
            victim.queue.withLock { queue in
                guard !queue.isEmpty else { return }
                queue.take(upTo: min(batchLimit, (queue.count + 1) / 2), into: &worker.scratch)
            }
            if let work = keepFirst(of: worker) { return work }
        }
        return nil
    }

    /// Returns the first item of `worker.scratch` and moves the rest to its own queue.
    private func keepFirst(of worker: Worker) -> ScheduledWork? {
        guard !worker.scratch.isEmpty else { return nil }
        let first = worker.scratch[0]
        if worker.scratch.count > 1 {
            worker.queue.withLock { queue in
                for work in worker.scratch.dropFirst() { queue.push(work) }
            }
            idle.notifyOne()
        }
        worker.scratch.removeAll(keepingCapacity: true)
        return first
    }

    // MARK: Counters

    /// The counters to bump for an event on the calling thread.
    var currentCounters: RuntimeCounters {
        if let worker = CurrentWorker.current, worker.schedulerID == id {
            return worker.counters
        }
        return externalCounters
    }

    var stats: RuntimeStats {
        var stats = RuntimeStats()
        externalCounters.add(to: &stats)
        for worker in workers { worker.counters.add(to: &stats) }
        return stats
    }
}
