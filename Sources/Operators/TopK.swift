extension KeyedStream where Key: Codable, Value: Codable {
    /// Keeps each key's `k` records with the highest `score` (the earlier first among equals)
    /// and emits the key's list, best first, whenever it changes.
    ///
    /// ```swift
    /// scores.keyed(by: \.game).topK("leaders", 3, by: \.points)
    /// ```
    @inlinable
    public func topK<Score: Comparable & Sendable>(_ id: String, _ k: Int, by score: @escaping @Sendable (Value) -> Score)
    -> DataStream<KeyedValue<Key, [Value]>> {
        process(id) { TopK<Key, Value, Score>(k: k, score: score, restoring: $0) }
    }
}

/// The operator behind ``KeyedStream/topK(_:_:by:)``: per key, the best `k` records so far.
public struct TopK<Key: StableHashable & Codable, Value: Sendable & Codable, Score: Comparable>: KeyedProcessFunction {
    public let k: Int
    public let score: @Sendable (Value) -> Score
    public var leaders: KeyedState<Key, [Value]>

    @inlinable
    public init(k: Int, score: @escaping @Sendable (Value) -> Score, restoring state: KeyedState<Key, [Value]>) {
        self.k = max(1, k)
        self.score = score
        leaders = state
    }

    @inlinable
    public func snapshot() -> KeyedState<Key, [Value]> { leaders }

    /// It sets no timers: its batches come in one call.
    @inlinable
    public static var setsTimers: Bool { false }

    @inlinable
    public mutating func process(_ record: KeyedRecord<Key, Value>, _ output: inout ProcessOutput<Key, KeyedValue<Key, [Value]>>) {
        var list = leaders[record.key] ?? []
        let new = score(record.value)
        // After every record that scores at least as high: earlier records win ties.
        let place = list.firstIndex { score($0) < new } ?? list.count
        guard place < k else { return }
        list.insert(record.value, at: place)
        if list.count > k { list.removeLast() }
        leaders[record.key] = list
        output.emit(KeyedValue(key: record.key, value: list), for: record)
    }
}
