public import DequeModule

/// The merge tasks a parallel step has handed to the runtime and not yet delivered, oldest first:
/// results go downstream in this order, and the step waits for the oldest beyond `bound`
/// (back-pressure to the source).
///
/// ```swift
/// var mustWait = inFlight.mustWait(afterBatchOf: batch.count)
/// while let merge = inFlight.next(mustWait: &mustWait) { deliver(try await merge.value) }
/// ```
@usableFromInline
struct InFlightMerges<Output: Sendable>: Sendable {
    @usableFromInline var tasks = Deque<TaskRef<Output>>()
    @usableFromInline let bound: Int

    @inlinable
    init(bound: Int = 4) {
        self.bound = bound
    }

    @inlinable
    var count: Int { tasks.count }

    @inlinable
    mutating func append(_ task: TaskRef<Output>) {
        tasks.append(task)
    }

    /// How many to wait for after a batch of `records`: all after a heartbeat (the source is idle:
    /// deliver everything now rather than leave results waiting for the next batch), otherwise
    /// those beyond the bound.
    @inlinable
    func mustWait(afterBatchOf records: Int) -> Int {
        records == 0 ? tasks.count : max(0, tasks.count - bound)
    }

    /// Removes and returns the oldest merge if it is done or still to be waited for (counting
    /// `mustWait` down); nil when the rest may stay in flight.
    @inlinable
    mutating func next(mustWait: inout Int) -> TaskRef<Output>? {
        guard let head = tasks.first, mustWait > 0 || head.isReady else { return nil }
        tasks.removeFirst()
        mustWait -= 1
        return head
    }
}
