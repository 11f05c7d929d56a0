/// Counts records.
///
/// ```swift
/// windowed.aggregate(.count)   // WindowResult<Key, Int>
/// ```
public struct Count<Input>: Aggregator {
    @inlinable public init() {}
    @inlinable public func zero() -> Int { 0 }
    @inlinable public func add(_ input: Input, to accumulator: inout Int) { accumulator += 1 }
    @inlinable public func merge(_ other: Int, into accumulator: inout Int) { accumulator += other }
    @inlinable public func finish(_ accumulator: Int) -> Int { accumulator }
}

/// Sums a numeric field.
///
/// ```swift
/// windowed.aggregate(.sum(\.amount))
/// ```
public struct Sum<Input, Value: AdditiveArithmetic & Codable & Sendable>: Aggregator {
    public let value: @Sendable (Input) -> Value
    @inlinable public init(_ value: @escaping @Sendable (Input) -> Value) { self.value = value }
    @inlinable public func zero() -> Value { .zero }
    @inlinable public func add(_ input: Input, to accumulator: inout Value) { accumulator += value(input) }
    @inlinable public func merge(_ other: Value, into accumulator: inout Value) { accumulator += other }
    @inlinable public func finish(_ accumulator: Value) -> Value { accumulator }
}

/// The smallest (`Extreme.min`) or largest (`Extreme.max`) value of a field; nil for no records.
public struct Extreme<Input, Value: Comparable & Codable & Sendable>: Aggregator {
    public let value: @Sendable (Input) -> Value
    public let keepsLargest: Bool
    public init(largest: Bool, _ value: @escaping @Sendable (Input) -> Value) {
        self.value = value
        self.keepsLargest = largest
    }
    public func zero() -> Value? { nil }
    public func add(_ input: Input, to accumulator: inout Value?) { merge(value(input), into: &accumulator) }
    public func merge(_ other: Value?, into accumulator: inout Value?) {
        guard let other else { return }
        guard let current = accumulator else { accumulator = other; return }
        accumulator = keepsLargest ? Swift.max(current, other) : Swift.min(current, other)
    }
    public func finish(_ accumulator: Value?) -> Value? { accumulator }
}

/// The mean of a numeric field; nil for no records.
public struct Average<Input>: Aggregator {
    public let value: @Sendable (Input) -> Double
    @inlinable public init(_ value: @escaping @Sendable (Input) -> Double) { self.value = value }
    @inlinable public func zero() -> Pair<Double, Int> { Pair(0, 0) }
    @inlinable public func add(_ input: Input, to accumulator: inout Pair<Double, Int>) {
        accumulator.first += value(input)
        accumulator.second += 1
    }
    @inlinable public func merge(_ other: Pair<Double, Int>, into accumulator: inout Pair<Double, Int>) {
        accumulator.first += other.first
        accumulator.second += other.second
    }
    @inlinable public func finish(_ accumulator: Pair<Double, Int>) -> Double? {
        accumulator.second == 0 ? nil : accumulator.first / Double(accumulator.second)
    }
}

/// Two accumulators side by side; `Codable` when both are, so combined aggregates checkpoint.
public struct Pair<First: Sendable, Second: Sendable>: Sendable {
    public var first: First
    public var second: Second

    @inlinable
    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }
}

extension Pair: Codable where First: Codable, Second: Codable {}
extension Pair: Equatable where First: Equatable, Second: Equatable {}

/// Two aggregates over the same records, in one pass.
///
/// ```swift
/// windowed.aggregate(.count, .sum(\.value))   // WindowResult<Key, (Int, Int64)>
/// ```
public struct Both<First: Aggregator, Second: Aggregator>: Aggregator where First.Input == Second.Input {
    public let first: First
    public let second: Second
    @inlinable public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }
    @inlinable public func zero() -> Pair<First.Accumulator, Second.Accumulator> { Pair(first.zero(), second.zero()) }
    @inlinable public func add(_ input: First.Input, to accumulator: inout Pair<First.Accumulator, Second.Accumulator>) {
        first.add(input, to: &accumulator.first)
        second.add(input, to: &accumulator.second)
    }
    @inlinable public func merge(_ other: Pair<First.Accumulator, Second.Accumulator>,
                                 into accumulator: inout Pair<First.Accumulator, Second.Accumulator>) {
        first.merge(other.first, into: &accumulator.first)
        second.merge(other.second, into: &accumulator.second)
    }
    @inlinable public func finish(_ accumulator: Pair<First.Accumulator, Second.Accumulator>) -> (First.Output, Second.Output) {
        (first.finish(accumulator.first), second.finish(accumulator.second))
    }
}

extension Aggregator {
    /// Counts records: `.aggregate(.count)`.
    @inlinable public static func count<T>() -> Count<T> where Self == Count<T> { Count() }
    /// Sums a field: `.aggregate(.sum(\.amount))`.
    @inlinable public static func sum<T, V>(_ value: @escaping @Sendable (T) -> V) -> Sum<T, V> where Self == Sum<T, V> { Sum(value) }
    /// The smallest value of a field: `.aggregate(.min(\.price))`.
    @inlinable public static func min<T, V>(_ value: @escaping @Sendable (T) -> V) -> Extreme<T, V> where Self == Extreme<T, V> { Extreme(largest: false, value) }
    /// The largest value of a field: `.aggregate(.max(\.price))`.
    @inlinable public static func max<T, V>(_ value: @escaping @Sendable (T) -> V) -> Extreme<T, V> where Self == Extreme<T, V> { Extreme(largest: true, value) }
    /// The mean of a field: `.aggregate(.average(\.latency))`.
    @inlinable public static func average<T>(_ value: @escaping @Sendable (T) -> Double) -> Average<T> where Self == Average<T> { Average(value) }
}
