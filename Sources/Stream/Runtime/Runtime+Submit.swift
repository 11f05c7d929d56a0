// The submission API is `@inlinable`: the typed parts of a task (its cell and body) are then
// specialized in the caller's module, and workers run them without generic look-ups.

extension Runtime {
    /// Runs `body` on a worker and returns a future for its result.
    ///
    /// ```swift
    /// let ref = runtime.submit { expensiveSum(chunk) }
    /// let sum = try await ref.value
    /// ```
    @inlinable
    public func submit<Value: Sendable>(
        _ options: TaskOptions = .default,
        _ body: @escaping @Sendable () throws -> Value
    ) -> TaskRef<Value> {
        let cell = TaskCell(scheduler: scheduler, options: options, body: body)
        release(cell)
        return TaskRef(cell)
    }

    /// Runs `body` with the values of its inputs once they are all ready. If an input fails or
    /// is cancelled, the task fails with its error without running.
    ///
    /// ```swift
    /// let sum = runtime.submit(after: left, right) { l, r in l + r }
    /// ```
    @inlinable
    public func submit<First: Sendable, each Rest: Sendable, Value: Sendable>(
        after first: TaskRef<First>,
        _ rest: repeat TaskRef<each Rest>,
        options: TaskOptions = .default,
        _ body: @escaping @Sendable (First, repeat each Rest) throws -> Value
    ) -> TaskRef<Value> {
        let firstCell = first.cell
        let restCells = (repeat (each rest).cell)
        let cell = TaskCell(scheduler: scheduler, options: options) {
            try body(firstCell.inputValue(), repeat (each restCells).inputValue())
        }
        var count = 1
        for _ in repeat each rest { count += 1 }
        cell.expectInputs(count)
        firstCell.addDependent(cell)
        for input in repeat each rest { input.cell.addDependent(cell) }
        release(cell)
        return TaskRef(cell)
    }

    /// Runs `body` with the values of all `inputs`, in order, once they are ready (fan-in).
    ///
    /// ```swift
    /// let total = runtime.submit(afterAll: partialSums) { $0.reduce(0, +) }
    /// ```
    @inlinable
    public func submit<Input: Sendable, Value: Sendable>(
        afterAll inputs: [TaskRef<Input>],
        options: TaskOptions = .default,
        _ body: @escaping @Sendable ([Input]) throws -> Value
    ) -> TaskRef<Value> {
        let cells = inputs.map(\.cell)
        let cell = TaskCell(scheduler: scheduler, options: options) {
            try body(cells.map { try $0.inputValue() })
        }
        cell.expectInputs(cells.count)
        for input in cells { input.addDependent(cell) }
        release(cell)
        return TaskRef(cell)
    }

    /// Submits `count` tasks that share one body, called with each index, for one scheduling
    /// cost: the way to submit many small tasks.
    ///
    /// ```swift
    /// let squares = runtime.submitBatch(count: 3) { $0 * $0 }   // futures of 0, 1, 4
    /// ```
    @inlinable
    public func submitBatch<Value: Sendable>(
        count: Int,
        options: TaskOptions = .default,
        _ body: @escaping @Sendable (Int) throws -> Value
    ) -> [TaskRef<Value>] {
        var refs: [TaskRef<Value>] = []
        refs.reserveCapacity(max(0, count))
        // Published in slices, so workers start on the first while the rest are being made.
        let slice = 1024
        var work: [ScheduledWork] = []
        work.reserveCapacity(min(slice, max(0, count)))
        for index in 0..<max(0, count) {
            let cell = BatchTaskCell(scheduler: scheduler, options: options, index: index, shared: body)
            refs.append(TaskRef(cell))
            work.append(cell)
            if work.count == slice {
                publish(work)
                work.removeAll(keepingCapacity: true)
            }
        }
        publish(work)
        return refs
    }

    /// Schedules a slice of a batch, or fails it if the runtime is shut down.
    @usableFromInline
    func publish(_ work: [ScheduledWork]) {
        if scheduler.isShuttingDown {
            for case let node as TaskNode in work { release(node) }
        } else {
            scheduler.schedule(batch: work)
        }
    }

    /// Stores `value` in the object store and returns a ready future for it, to share one
    /// large value among many tasks without copying it.
    ///
    /// ```swift
    /// let table = runtime.put(bigLookupTable)
    /// let hits = runtime.submit(after: table) { table in table.lookup(keys) }
    /// ```
    @inlinable
    public func put<Value: Sendable>(_ value: Value) -> TaskRef<Value> {
        let cell = TaskCell<Value>(promiseOn: scheduler, priority: 0)
        cell.complete(.success(value))
        return TaskRef(cell)
    }

    /// Releases the submitter's guard on `cell` (it is scheduled once its inputs are done),
    /// or fails it if the runtime is shut down.
    @usableFromInline
    func release(_ cell: TaskNode) {
        if scheduler.isShuttingDown {
            if cell.completeIfPending(failure: RuntimeError.shutDown, store: {}) { cell.dropBody() }
        } else {
            cell.inputReady()
        }
    }
}
