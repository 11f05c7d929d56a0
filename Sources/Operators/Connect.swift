extension DataStream {
    /// Pairs this stream with `other` (of any type) for a two-input step: key both with
    /// ``ConnectedStreams/keyed(by:_:)`` and run a ``KeyedCoProcessFunction`` on them.
    ///
    /// ```swift
    /// orders.connect(payments).keyed(by: \.orderID, \.orderID).process("match") { Matcher(restoring: $0) }
    /// ```
    @inlinable
    public func connect<Other>(_ other: DataStream<Other>) -> ConnectedStreams<Value, Other> {
        ConnectedStreams(first: self, second: other)
    }
}

/// Two streams paired for a two-input step.
public struct ConnectedStreams<First: Sendable, Second: Sendable>: Sendable {
    public let first: DataStream<First>
    public let second: DataStream<Second>

    @usableFromInline
    init(first: DataStream<First>, second: DataStream<Second>) {
        self.first = first
        self.second = second
    }

    /// Keys both streams; the keys must be of one type (and hash alike on every run).
    ///
    /// ```swift
    /// orders.connect(payments).keyed(by: \.orderID, \.orderID)
    /// ```
    @inlinable
    public func keyed<Key: StableHashable>(by firstKey: @escaping @Sendable (First) -> Key,
                                           _ secondKey: @escaping @Sendable (Second) -> Key,
                                           keyGroups: KeyGroups = KeyGroups()) -> KeyedConnectedStreams<Key, First, Second> {
        KeyedConnectedStreams(first: first, second: second, firstKey: firstKey, secondKey: secondKey, keyGroups: keyGroups)
    }

    /// Both streams as one stream of ``Either``, merged in an order fixed by their own records and
    /// watermarks (see ``DataStream/merge(_:_:codec:bufferLimit:)``).
    @inlinable
    func merged(_ id: String, codec: RecordCodec<Either<First, Second>>?) -> DataStream<Either<First, Second>> {
        first.map { Either<First, Second>.first($0) }
            .merge(id, [second.map { Either<First, Second>.second($0) }], codec: codec)
    }
}

/// Two streams keyed alike: what co-process functions and joins run on.
public struct KeyedConnectedStreams<Key: StableHashable, First: Sendable, Second: Sendable>: Sendable {
    public let first: DataStream<First>
    public let second: DataStream<Second>
    public let firstKey: @Sendable (First) -> Key
    public let secondKey: @Sendable (Second) -> Key
    public let keyGroups: KeyGroups

    @usableFromInline
    init(first: DataStream<First>, second: DataStream<Second>, firstKey: @escaping @Sendable (First) -> Key,
         secondKey: @escaping @Sendable (Second) -> Key, keyGroups: KeyGroups) {
        self.first = first
        self.second = second
        self.firstKey = firstKey
        self.secondKey = secondKey
        self.keyGroups = keyGroups
    }

    /// Both streams merged as ``Either`` records (their order fixed by their own records and
    /// watermarks), keyed by the key of each; `id` names the merge step.
    @inlinable
    func mergedAndKeyed(_ id: String, codec: RecordCodec<Either<First, Second>>?) -> KeyedStream<Key, Either<First, Second>> {
        let firstKey = self.firstKey
        let secondKey = self.secondKey
        return ConnectedStreams(first: first, second: second).merged(id, codec: codec).keyed(by: { record in
            switch record {
            case .first(let value): firstKey(value)
            case .second(let value): secondKey(value)
            }
        }, keyGroups: keyGroups)
    }
}
