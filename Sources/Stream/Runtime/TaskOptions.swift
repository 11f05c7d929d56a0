/// How a task is scheduled: its priority and how often it is retried.
///
/// ```swift
/// let ref = runtime.submit(TaskOptions(priority: windowEnd, maxRetries: 2)) { try parse(chunk) }
/// ```
public struct TaskOptions: Sendable, Hashable {
    /// Smaller runs first among ready tasks; equal priorities run in submission order.
    /// Window firings use the window's end, so earlier windows' tasks go first. `Int64.max`
    /// counts as `Int64.max - 1`.
    public var priority: Int64
    /// How many times a task that throws is run again before its error reaches its callers.
    public var maxRetries: Int

    public init(priority: Int64 = 0, maxRetries: Int = 0) {
        self.priority = priority
        self.maxRetries = maxRetries
    }

    /// Priority 0, no retries.
    public static let `default` = TaskOptions()
}
