extension WindowedStream where Value: Codable {
    /// Combines each key's records in each window with `combine`, pre-aggregating as they arrive.
    ///
    /// ```swift
    /// perUser.window("w", .tumbling(.seconds(60))).reduce { $0.amount >= $1.amount ? $0 : $1 }   // largest order
    /// ```
    public func reduce(_ combine: @escaping @Sendable (Value, Value) -> Value) -> WindowedAggregate<Key, Value, Value> {
        aggregate(ReduceAggregator(combine: combine))
    }
}

/// Combines values pairwise. A window's entry exists only once a record was added, so the
/// accumulator is never empty when the window fires.
public struct ReduceAggregator<Value: Codable & Sendable>: Aggregator {
    public let combine: @Sendable (Value, Value) -> Value

    @inlinable public init(combine: @escaping @Sendable (Value, Value) -> Value) { self.combine = combine }
    @inlinable public func zero() -> Value? { nil }
    @inlinable public func add(_ input: Value, to accumulator: inout Value?) {
        accumulator = accumulator.map { combine($0, input) } ?? input
    }
    @inlinable public func merge(_ other: Value?, into accumulator: inout Value?) {
        guard let other else { return }
        accumulator = accumulator.map { combine($0, other) } ?? other
    }
    @inlinable public func finish(_ accumulator: Value?) -> Value { accumulator! }
}
