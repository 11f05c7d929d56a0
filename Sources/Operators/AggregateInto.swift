extension WindowedStream {
    /// Aggregates each key's records in each window into a value of your own type, whose fields
    /// name what they hold — instead of nested tuples from combined aggregates. `add` folds one
    /// record in; `merge` combines two partial values (windows pre-aggregate on several ranges,
    /// and sessions merge). `initial` is every window's starting value.
    ///
    /// ```swift
    /// struct OrderStats: Codable, Sendable { var count = 0; var total: Int64 = 0; var largest: Int64 = 0 }
    /// perCustomer.window("per-hour", .tumbling(.hours(1))).aggregate(into: OrderStats()) { stats, order in
    ///     stats.count += 1; stats.total += order.cents; stats.largest = max(stats.largest, order.cents)
    /// } merge: { stats, other in
    ///     stats.count += other.count; stats.total += other.total; stats.largest = max(stats.largest, other.largest)
    /// }
    /// // results: WindowResult<String, OrderStats>, read as $0.value.total
    /// ```
    public func aggregate<Result: Codable & Sendable>(
        into initial: Result, add: @escaping @Sendable (inout Result, Value) -> Void,
        merge: @escaping @Sendable (inout Result, Result) -> Void
    ) -> WindowedAggregate<Key, Result, Value> {
        aggregate(Folding(initial: initial, add: add, merge: merge))
    }
}

/// An aggregate whose accumulator is its result: a value of the user's type, folded record by
/// record and merged part by part.
public struct Folding<Input, Result: Codable & Sendable>: Aggregator {
    public let initial: Result
    public let add: @Sendable (inout Result, Input) -> Void
    public let combine: @Sendable (inout Result, Result) -> Void

    @inlinable
    public init(initial: Result, add: @escaping @Sendable (inout Result, Input) -> Void, merge: @escaping @Sendable (inout Result, Result) -> Void) {
        self.initial = initial
        self.add = add
        combine = merge
    }

    @inlinable public func zero() -> Result { initial }
    @inlinable public func add(_ input: Input, to accumulator: inout Result) { add(&accumulator, input) }
    @inlinable public func merge(_ other: Result, into accumulator: inout Result) { combine(&accumulator, other) }
    @inlinable public func finish(_ accumulator: Result) -> Result { accumulator }
}
