/// A future for the result of a task: what `Runtime.submit` returns.
///
/// Other tasks can take it as an input (they run once it is ready, without blocking a worker),
/// and async code can await it. Copies refer to the same task; the result is stored once and
/// shared by every holder, like an object reference in Ray.
///
/// ```swift
/// let a = runtime.submit { 20 }
/// let b = runtime.submit(after: a) { $0 + 22 }
/// print(try await b.value)   // 42
/// ```
public struct TaskRef<Value: Sendable>: Sendable, Hashable {
    @usableFromInline let cell: TaskCell<Value>

    @inlinable
    init(_ cell: TaskCell<Value>) {
        self.cell = cell
    }

    /// The task's result, once it is done; throws the task's error (after its retries), or
    /// `CancellationError` if it or one of its inputs was cancelled.
    @inlinable
    public var value: Value {
        get async throws { try await cell.value() }
    }

    /// Whether the task has finished (successfully or not).
    public var isReady: Bool {
        if case .pending = cell.completion { return false }
        return true
    }

    /// The outcome if the task has finished, nil otherwise.
    @inlinable
    public var result: Result<Value, any Error>? { cell.outcome }

    /// Cancels the task if it has not started; tasks that depend on it fail with
    /// `CancellationError` too. Returns false if it already started or finished.
    @discardableResult
    public func cancel() -> Bool { cell.cancel() }

    public static func == (lhs: TaskRef, rhs: TaskRef) -> Bool { lhs.cell === rhs.cell }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(cell)) }
}
