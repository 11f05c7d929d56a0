extension DataStream where Value: Codable {
    /// Starts a join of this stream with `other` on keys of one type: finish it with a window
    /// (``JoinStreams/window(_:_:allowedLateness:)``), an outer window join, or an unwindowed
    /// join with state time-to-live (``JoinStreams/unwindowed(_:timeToLive:)``).
    ///
    /// ```swift
    /// let perMinute = bids.join(auctions, on: \.auction, \.id).window("bids-auctions", .tumbling(.minutes(1)))
    /// ```
    public func join<Other: Codable, Key: StableHashable & Codable>(
        _ other: DataStream<Other>, on key: @escaping @Sendable (Value) -> Key, _ otherKey: @escaping @Sendable (Other) -> Key
    ) -> JoinStreams<Key, Value, Other> {
        JoinStreams(keyed: connect(other).keyed(by: key, otherKey))
    }
}

/// Two keyed streams waiting for how to join them.
public struct JoinStreams<Key: StableHashable & Codable, First: Codable & Sendable, Second: Codable & Sendable>: Sendable {
    public let keyed: KeyedConnectedStreams<Key, First, Second>

    /// An inner window join: when a window fires, every pair of one key's first- and
    /// second-stream records in it, firsts in arrival order, each with the seconds in arrival
    /// order (as Flink's window join). Windows follow the records' event time, as a window step
    /// does (late records within `allowedLateness` fire the window's pairs again); records too
    /// late for every window go to `late`. `id` names the step and its state.
    ///
    /// ```swift
    /// bids.join(auctions, on: \.auction, \.id).window("matched", .tumbling(.seconds(10))).results
    /// ```
    public func window(_ id: String, _ spec: WindowSpec, allowedLateness: Duration = .zero)
    -> JoinedStreams<Joined<First, Second>, First, Second> {
        coGrouped(id, spec, allowedLateness: allowedLateness) { firsts, seconds in
            firsts.flatMap { first in seconds.map { Joined(first: first, second: $0) } }
        }
    }

    /// An outer window join: the inner join's pairs and, in each fired window, each record of
    /// the side(s) `kind` names whose key has nothing on the other side in that window.
    ///
    /// ```swift
    /// orders.join(payments, on: \.id, \.orderID).outerWindow("orders-payments", .left, .tumbling(.minutes(1)))
    /// ```
    public func outerWindow(_ id: String, _ kind: OuterJoinKind, _ spec: WindowSpec, allowedLateness: Duration = .zero)
    -> JoinedStreams<OuterJoined<First, Second>, First, Second> {
        coGrouped(id, spec, allowedLateness: allowedLateness) { firsts, seconds in
            if seconds.isEmpty { return kind.keepsFirst ? firsts.map { OuterJoined(first: $0, second: nil) } : [] }
            if firsts.isEmpty { return kind.keepsSecond ? seconds.map { OuterJoined(first: nil, second: $0) } : [] }
            return firsts.flatMap { first in seconds.map { OuterJoined(first: first, second: $0) } }
        }
    }

    /// Each key's records of both streams in each window, turned into results by `pairs` when
    /// the window fires.
    func coGrouped<Output>(_ id: String, _ spec: WindowSpec, allowedLateness: Duration,
                           pairs: @escaping @Sendable ([First], [Second]) -> [Output]) -> JoinedStreams<Output, First, Second> {
        let grouped = keyed.mergedAndKeyed("\(id)/inputs", codec: .codable)
            .window(id, spec, allowedLateness: allowedLateness)
            .aggregate(CoGroup<First, Second>())
        return JoinedStreams(results: grouped.results.flatMap { pairs($0.value.firsts, $0.value.seconds) }, late: grouped.late)
    }
}

/// One key's records of both streams in one window, each side in arrival order.
public struct CoGroupLists<First: Sendable, Second: Sendable>: Sendable {
    public var firsts: [First] = []
    public var seconds: [Second] = []

    @inlinable public init() {}
}

extension CoGroupLists: Codable where First: Codable, Second: Codable {}

/// Keeps both streams' records of a key and window: what window joins are made of.
public struct CoGroup<First: Codable & Sendable, Second: Codable & Sendable>: Aggregator {
    @inlinable public init() {}
    @inlinable public func zero() -> CoGroupLists<First, Second> { CoGroupLists() }

    @inlinable
    public func add(_ input: Either<First, Second>, to accumulator: inout CoGroupLists<First, Second>) {
        switch input {
        case .first(let value): accumulator.firsts.append(value)
        case .second(let value): accumulator.seconds.append(value)
        }
    }

    @inlinable
    public func merge(_ other: CoGroupLists<First, Second>, into accumulator: inout CoGroupLists<First, Second>) {
        accumulator.firsts += other.firsts
        accumulator.seconds += other.seconds
    }

    @inlinable public func finish(_ accumulator: CoGroupLists<First, Second>) -> CoGroupLists<First, Second> { accumulator }
}
