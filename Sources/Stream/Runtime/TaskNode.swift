import Synchronization

/// A task in the dependency graph, without its result type: its lifecycle, its waiters, and a
/// body that computes the result and stores it in the typed ``TaskCell``.
///
/// Workers only ever touch this non-generic part, so running a task costs no generic metadata
/// look-ups; the typed code is created where the task is submitted, specialized for its type.
///
/// Lifecycle: pending → running → done, or pending → done (cancelled, failed input, promise
/// completed). `remainingInputs` starts at the number of inputs plus one; the extra one is the
/// submitter's guard, released after it registered with every input, so a task never becomes
/// ready while its registrations are still under way.
///
/// `@unchecked Sendable` is safe: `state` is behind a mutex; `body`, `attempts` and the typed
/// value are touched only by the one worker that set `isRunning` under the mutex (or, for a
/// promise, inside the locked `complete`), and readers see them only after `isDone` was set
/// under the same mutex; `accountedBytes` is written before completion and read after it.
@usableFromInline
class TaskNode: ScheduledWork, @unchecked Sendable {
    struct State {
        var isDone = false
        var isRunning = false
        var failure: (any Error)?
        var waiters = Waiters()
    }

    enum Waiter {
        case dependent(TaskNode)
        case callback(@Sendable () -> Void)
    }

    /// One waiter inline, the rest in an array: most tasks have at most one.
    struct Waiters {
        var first: Waiter?
        var rest: [Waiter] = []

        mutating func append(_ waiter: Waiter) {
            if first == nil { first = waiter } else { rest.append(waiter) }
        }
    }

    /// Where a task stands, as seen by a reader of its result.
    @usableFromInline
    enum Completion {
        case pending
        case succeeded
        case failed(any Error)
    }

    @usableFromInline let scheduler: Scheduler
    let remainingInputs = Atomic<Int>(1)
    private let state = Mutex(State())
    /// Computes the result and stores it in the typed cell; nil for promises and once finished.
    /// (Exclusive by the running flag, so the runtime's own access check is skipped.)
    @exclusivity(unchecked) @usableFromInline var body: ((TaskNode) throws -> Void)?
    private let maxRetries: Int
    private var attempts = 0
    /// The stored result's size for the object store; -1 until a result is stored.
    @exclusivity(unchecked) @usableFromInline var accountedBytes = -1

    @usableFromInline
    init(scheduler: Scheduler, priority: Int64, maxRetries: Int) {
        self.scheduler = scheduler
        self.maxRetries = max(0, maxRetries)
        super.init(priority: priority)
    }

    deinit {
        if accountedBytes >= 0 {
            let counters = scheduler.currentCounters
            counters.objectsFreed.increment()
            counters.bytesFreed.increment(by: accountedBytes)
        }
    }

    // MARK: Dependencies

    /// Expects `count` more inputs before the task may run.
    @usableFromInline
    func expectInputs(_ count: Int) {
        remainingInputs.wrappingAdd(count, ordering: .relaxed)
    }

    /// One input (or the submitter's guard) is done; schedules the task after the last one.
    @usableFromInline
    func inputReady() {
        if remainingInputs.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            scheduler.schedule(self)
        }
    }

    /// Makes `node` wait for this task: it is told once this one is done (at once if it is).
    @usableFromInline
    func addDependent(_ node: TaskNode) {
        if !register(.dependent(node)) { node.inputReady() }
    }

    /// Calls `callback` once the task is done (at once if it is).
    @usableFromInline
    func onComplete(_ callback: @escaping @Sendable () -> Void) {
        if !register(.callback(callback)) { callback() }
    }

    /// Adds a waiter; false if the task is already done.
    private func register(_ waiter: Waiter) -> Bool {
        state.withLock { state in
            if state.isDone { return false }
            state.waiters.append(waiter)
            return true
        }
    }

    // MARK: Running

    override func run(on worker: Worker) {
        let started = state.withLock { state -> Bool in
            guard !state.isDone, !state.isRunning else { return false }
            state.isRunning = true
            return true
        }
        guard started, let body else { return }
        do {
            try body(self)
            self.body = nil
            worker.counters.tasksRun.increment()
            finish(failure: nil)
        } catch let failure as InputFailure {
            dropBody()
            finish(failure: failure.underlying)
        } catch {
            if attempts < maxRetries {
                attempts += 1
                worker.counters.tasksRetried.increment()
                state.withLock { $0.isRunning = false }
                scheduler.schedule(self)
            } else {
                dropBody()
                worker.counters.tasksRun.increment()
                worker.counters.tasksFailed.increment()
                finish(failure: error)
            }
        }
    }

    // MARK: Completing

    /// Marks a running task done (its body stored the value) and wakes every waiter.
    private func finish(failure: (any Error)?) {
        let waiters = state.withLock { state -> Waiters in
            state.isDone = true
            state.isRunning = false
            state.failure = failure
            defer { state.waiters = Waiters() }
            return state.waiters
        }
        announce(succeeded: failure == nil, waking: waiters)
    }

    /// Completes a pending task: runs `store` (which stores the value, on success) and marks
    /// it done, all under the lock; false if it was already done or is running.
    @usableFromInline
    func completeIfPending(failure: (any Error)?, store: () -> Void) -> Bool {
        let waiters = state.withLock { state -> Waiters? in
            guard !state.isDone, !state.isRunning else { return nil }
            if failure == nil { store() }
            state.isDone = true
            state.failure = failure
            defer { state.waiters = Waiters() }
            return state.waiters
        }
        guard let waiters else { return false }
        announce(succeeded: failure == nil, waking: waiters)
        return true
    }

    private func announce(succeeded: Bool, waking waiters: Waiters) {
        if succeeded, accountedBytes >= 0 {
            let counters = scheduler.currentCounters
            counters.objectsStored.increment()
            counters.bytesStored.increment(by: accountedBytes)
        }
        if let first = waiters.first { Self.wake(first) }
        for waiter in waiters.rest { Self.wake(waiter) }
    }

    private static func wake(_ waiter: Waiter) {
        switch waiter {
        case .dependent(let node): node.inputReady()
        case .callback(let callback): callback()
        }
    }

    /// Cancels the task if it has not started. Its dependents fail with the same error.
    func cancel() -> Bool {
        let cancelled = completeIfPending(failure: CancellationError()) {}
        if cancelled {
            dropBody()  // frees what the body captured; it will never run
            scheduler.currentCounters.tasksCancelled.increment()
        }
        return cancelled
    }

    /// Frees the body and what it captured, for a task that will never run.
    @usableFromInline
    func dropBody() {
        body = nil
    }

    // MARK: Reading

    @usableFromInline
    var completion: Completion {
        state.withLock { state in
            guard state.isDone else { return .pending }
            if let failure = state.failure { return .failed(failure) }
            return .succeeded
        }
    }
}

/// Thrown inside a dependent task when one of its inputs failed: the task fails with the
/// input's error without running its body and without retries.
@usableFromInline
struct InputFailure: Error {
    @usableFromInline let underlying: any Error

    @usableFromInline
    init(underlying: any Error) { self.underlying = underlying }
}
