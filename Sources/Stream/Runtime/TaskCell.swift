/// A task with its result type: the typed value, once stored, and the ways to read it.
///
/// Everything here is `@inlinable`, so it is specialized where tasks are submitted and
/// awaited; the lifecycle lives in the non-generic ``TaskNode``.
@usableFromInline
class TaskCell<Value: Sendable>: TaskNode, @unchecked Sendable {
    // Safe as TaskNode says: `storedValue` and `work` are touched by the one runner (or inside
    // the locked `completeIfPending`) before the task is marked done; `storedValue` is read
    // only after.
    @exclusivity(unchecked) @usableFromInline final var storedValue: Value?
    /// The task's body, run by `runWork`; nil for promises and once run.
    @exclusivity(unchecked) @usableFromInline final var work: (@Sendable () throws -> Value)?

    /// A task that runs `body` once its inputs are ready.
    @inlinable
    convenience init(scheduler: Scheduler, options: TaskOptions, body: @escaping @Sendable () throws -> Value) {
        // A reference to a specialized static function: no closure context to allocate.
        self.init(scheduler: scheduler, options: options, runner: Self.runWork)
        work = body
    }

    /// A task run by `runner`, which computes the value and stores it in the cell.
    @inlinable
    init(scheduler: Scheduler, options: TaskOptions, runner: @escaping (TaskNode) throws -> Void) {
        super.init(scheduler: scheduler, priority: options.priority, maxRetries: options.maxRetries)
        body = runner
    }

    /// Runs the typed body and stores its value; what `TaskNode.run` calls.
    @inlinable
    static func runWork(_ node: TaskNode) throws {
        let cell = unsafeDowncast(node, to: TaskCell<Value>.self)
        cell.store(try cell.work!())
        cell.work = nil
    }

    /// Keeps a computed value (on the runner's turn, before the task is marked done).
    @inlinable
    final func store(_ value: Value) {
        accountedBytes = ObjectSize.of(value)
        storedValue = value
    }

    /// A promise: completed by someone else (an actor call, `Runtime.put`), never scheduled.
    @inlinable
    init(promiseOn scheduler: Scheduler, priority: Int64) {
        super.init(scheduler: scheduler, priority: priority, maxRetries: 0)
    }

    override func dropBody() {
        super.dropBody()
        work = nil
    }

    /// Completes a pending promise; false if it was already done (e.g. cancelled).
    @inlinable
    @discardableResult
    final func complete(_ outcome: Result<Value, any Error>) -> Bool {
        switch outcome {
        case .success(let value):
            return completeIfPending(failure: nil) { store(value) }
        case .failure(let error):
            return completeIfPending(failure: error) {}
        }
    }

    @inlinable
    final var outcome: Result<Value, any Error>? {
        switch completion {
        case .pending: return nil
        case .succeeded: return .success(storedValue!)
        case .failed(let error): return .failure(error)
        }
    }

    @inlinable
    final func value() async throws -> Value {
        if let outcome { return try outcome.get() }
        return try await withUnsafeThrowingContinuation { continuation in
            onComplete { continuation.resume(with: self.outcome!) }
        }
    }

    /// The value of a finished input, for the body of a dependent task.
    @inlinable
    final func inputValue() throws -> Value {
        switch completion {
        case .succeeded: return storedValue!
        case .failed(let error): throw InputFailure(underlying: error)
        case .pending: preconditionFailure("a task ran before its input was done")
        }
    }
}

/// One task of a batch: its index, and the body shared by the whole batch. One allocation a
/// task; the shared body is released with the cells (on the submitter's side, mostly), not by
/// the workers, so its reference count is not fought over.
@usableFromInline
final class BatchTaskCell<Value: Sendable>: TaskCell<Value>, @unchecked Sendable {
    // Safe: both fields are immutable.
    @usableFromInline let index: Int
    @usableFromInline let shared: @Sendable (Int) throws -> Value

    @inlinable
    init(scheduler: Scheduler, options: TaskOptions, index: Int, shared: @escaping @Sendable (Int) throws -> Value) {
        self.index = index
        self.shared = shared
        super.init(scheduler: scheduler, options: options, runner: Self.runIndexed)
    }

    @inlinable
    static func runIndexed(_ node: TaskNode) throws {
        let cell = unsafeDowncast(node, to: BatchTaskCell<Value>.self)
        cell.store(try cell.shared(cell.index))
    }
}
