/// A pair of records that a join matched.
///
/// ```swift
/// orders.intervalJoin(payments, on: \.id, \.orderID, between: .zero ... .minutes(10)).results
///     .map { "\($0.first.id) paid \($0.second.amount)" }
/// ```
public struct Joined<First: Sendable, Second: Sendable>: Sendable {
    public var first: First
    public var second: Second

    @inlinable
    public init(first: First, second: Second) {
        self.first = first
        self.second = second
    }
}

extension Joined: Equatable where First: Equatable, Second: Equatable {}
extension Joined: Hashable where First: Hashable, Second: Hashable {}
extension Joined: Codable where First: Codable, Second: Codable {}

/// What an outer join gives: a matched pair, or a record of one side that matched nothing.
public struct OuterJoined<First: Sendable, Second: Sendable>: Sendable {
    public var first: First?
    public var second: Second?

    @inlinable
    public init(first: First?, second: Second?) {
        self.first = first
        self.second = second
    }
}

extension OuterJoined: Equatable where First: Equatable, Second: Equatable {}
extension OuterJoined: Hashable where First: Hashable, Second: Hashable {}
extension OuterJoined: Codable where First: Codable, Second: Codable {}

/// Which unmatched records an outer join emits.
public enum OuterJoinKind: Sendable, Hashable {
    /// Every first-stream record that matched nothing (with no second).
    case left
    /// Every second-stream record that matched nothing.
    case right
    /// Both.
    case full

    @inlinable var keepsFirst: Bool { self != .right }
    @inlinable var keepsSecond: Bool { self != .left }
}

/// What a join gives: its results, and the records of either stream that came too late to join
/// (never dropped silently).
///
/// ```swift
/// let joined = orders.intervalJoin(payments, on: \.id, \.orderID, between: .zero ... .minutes(10))
/// joined.results.sink("paid", …)
/// joined.late.sink("late", …)
/// ```
public struct JoinedStreams<Output: Sendable, First: Sendable, Second: Sendable>: Sendable {
    public let results: DataStream<Output>
    public let late: DataStream<Either<First, Second>>

    @inlinable
    public init(results: DataStream<Output>, late: DataStream<Either<First, Second>>) {
        self.results = results
        self.late = late
    }
}

extension DataStream {
    /// Splits a stream of results and late records into its two streams.
    func splitJoined<Output, First, Second>() -> JoinedStreams<Output, First, Second>
    where Value == Either<Output, Either<First, Second>> {
        JoinedStreams(results: transform("join results") { $0.compactMap(\.first) },
                      late: transform("join late") { $0.compactMap(\.second) })
    }
}
