import DequeModule

/// A queue of work ordered by priority (smallest first), first-in first-out within a priority.
///
/// Work is kept in a few levels, one `Deque` per distinct priority. Windows give few distinct
/// priorities at a time, so pushes and pops are O(1) in practice; the emptied level's buffer is
/// kept for reuse so a queue that drains and refills does not allocate.
struct PriorityWorkQueue {
    private struct Level {
        var priority: Int64
        var items: Deque<ScheduledWork>
    }

    /// Levels in ascending priority; none is empty.
    private var levels: [Level] = []
    private var spare = Deque<ScheduledWork>()
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The priority of the work that `pop()` would return.
    var frontPriority: Int64? { levels.first?.priority }

    mutating func push(_ work: ScheduledWork) {
        let priority = work.priority
        var index = levels.count
        while index > 0 && levels[index - 1].priority > priority { index -= 1 }
        if index > 0 && levels[index - 1].priority == priority {
            levels[index - 1].items.append(work)
        } else {
            var items = Deque<ScheduledWork>()
            swap(&items, &spare)
            items.append(work)
            levels.insert(Level(priority: priority, items: items), at: index)
        }
        count += 1
    }

    mutating func pop() -> ScheduledWork? {
        guard !levels.isEmpty else { return nil }
        let work = levels[0].items.removeFirst()
        if levels[0].items.isEmpty { recycle(levels.removeFirst().items) }
        count -= 1
        return work
    }

    /// Moves up to `limit` of the most urgent items to the end of `out`, in order.
    mutating func take(upTo limit: Int, into out: inout [ScheduledWork]) {
        var remaining = limit
        while remaining > 0, !levels.isEmpty {
            let moved = min(remaining, levels[0].items.count)
            out.append(contentsOf: levels[0].items.prefix(moved))
            levels[0].items.removeFirst(moved)
            if levels[0].items.isEmpty { recycle(levels.removeFirst().items) }
            remaining -= moved
            count -= moved
        }
    }

    private mutating func recycle(_ items: Deque<ScheduledWork>) {
        guard spare.isEmpty, items.isEmpty else { return }
        spare = items
    }
}
