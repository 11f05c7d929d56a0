extension OutputOrder {
    /// The outputs of several ranges in stream order, as (range, index) pairs. Each range's
    /// output is almost always in order already (its records in stream order, its timers as they
    /// come due), so the ranges are merged, not sorted together; a range whose output is out of
    /// order (a timer set for a time already passed, say) is sorted on its own first. Outputs of
    /// two ranges never tie (their key groups differ), so this is the order a sort would give.
    ///
    /// ```swift
    /// for (range, index) in OutputOrder.merged(parts.map(\.order)) { values.append(parts[range].values[index]) }
    /// ```
    @inlinable
    static func merged(_ ranges: [[OutputOrder]]) -> [(range: Int, index: Int)] {
        // Per range, the indices in order when it is out of order; nil when it is in order.
        let reordered: [[Int]?] = ranges.map { orders in
            for index in orders.indices.dropFirst() where orders[index] < orders[index - 1] {
                return orders.indices.sorted { orders[$0] < orders[$1] }
            }
            return nil
        }
        var merged: [(range: Int, index: Int)] = []
        merged.reserveCapacity(ranges.reduce(0) { $0 + $1.count })
        var next = [Int](repeating: 0, count: ranges.count)
        while true {
            var best = -1
            var bestIndex = 0
            for range in ranges.indices where next[range] < ranges[range].count {
                let index = reordered[range]?[next[range]] ?? next[range]
                if best < 0 || ranges[range][index] < ranges[best][bestIndex] {
                    best = range
                    bestIndex = index
                }
            }
            guard best >= 0 else { return merged }
            merged.append((best, bestIndex))
            next[best] += 1
        }
    }
}
