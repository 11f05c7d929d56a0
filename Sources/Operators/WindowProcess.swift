extension WindowedStream where Value: Codable {
    /// Calls `body` with all of a key's records in a window, in arrival order, when the window
    /// fires — for computations that are not mergeable (medians, sorting, pattern checks). The
    /// records are kept until then, so prefer `aggregate` when an aggregate can be merged.
    ///
    /// ```swift
    /// perUser.window("w", .tumbling(.seconds(60))).process { key, window, orders in
    ///     orders.map(\.amount).sorted()[orders.count / 2]   // the median order
    /// }
    /// ```
    public func process<Output: Sendable>(
        _ body: @escaping @Sendable (Key, Window, [Value]) -> Output
    ) -> WindowedAggregate<Key, Output, Value> {
        let collected = aggregate(CollectAll<Value>())
        return WindowedAggregate(results: collected.results.map { WindowResult(window: $0.window, key: $0.key, value: body($0.key, $0.window, $0.value)) },
                                 late: collected.late)
    }
}

/// Keeps every record, in arrival order.
public struct CollectAll<Value: Codable & Sendable>: Aggregator {
    @inlinable public init() {}
    @inlinable public func zero() -> [Value] { [] }
    @inlinable public func add(_ input: Value, to accumulator: inout [Value]) { accumulator.append(input) }
    @inlinable public func merge(_ other: [Value], into accumulator: inout [Value]) { accumulator += other }
    @inlinable public func finish(_ accumulator: [Value]) -> [Value] { accumulator }
}
