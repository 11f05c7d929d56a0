extension KeyedStream where Key: Codable, Value: Codable {
    /// Combines each key's records as they come and emits the key's running result after each.
    ///
    /// ```swift
    /// orders.keyed(by: \.customer).reduce("largest-order") { $0.amount >= $1.amount ? $0 : $1 }
    /// ```
    @inlinable
    public func reduce(_ id: String, _ combine: @escaping @Sendable (Value, Value) -> Value) -> DataStream<KeyedValue<Key, Value>> {
        process(id) { RunningReduce<Key, Value>(combine: combine, restoring: $0) }
    }
}

/// The operator behind ``KeyedStream/reduce(_:_:)``: per key, the result so far.
public struct RunningReduce<Key: StableHashable & Codable, Value: Sendable & Codable>: KeyedProcessFunction {
    public let combine: @Sendable (Value, Value) -> Value
    public var results: KeyedState<Key, Value>

    @inlinable
    public init(combine: @escaping @Sendable (Value, Value) -> Value, restoring state: KeyedState<Key, Value>) {
        self.combine = combine
        results = state
    }

    @inlinable
    public func snapshot() -> KeyedState<Key, Value> { results }

    /// It sets no timers: its batches come in one call.
    @inlinable
    public static var setsTimers: Bool { false }

    @inlinable
    public mutating func process(_ record: KeyedRecord<Key, Value>, _ output: inout ProcessOutput<Key, KeyedValue<Key, Value>>) {
        let result = results[record.key].map { combine($0, record.value) } ?? record.value
        results[record.key] = result
        output.emit(KeyedValue(key: record.key, value: result), for: record)
    }
}
