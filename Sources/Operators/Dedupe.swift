extension KeyedStream where Key: Codable {
    /// Drops repeats: a record whose key was kept at an event time less than `within` away is
    /// dropped; the first record of each key, and the first after `within`, are kept. A key's
    /// state is dropped once the watermark passes its kept time plus `within`.
    ///
    /// ```swift
    /// payments.keyed(by: \.id).dedupe("once-per-id", within: .minutes(10))
    /// ```
    @inlinable
    public func dedupe(_ id: String, within: Duration) -> DataStream<Value> {
        process(id) { Dedupe<Key, Value>(within: within, restoring: $0) }
    }
}

/// The operator behind ``KeyedStream/dedupe(_:within:)``: per key, the event time of the
/// record last kept.
public struct Dedupe<Key: StableHashable & Codable, Value: Sendable>: KeyedProcessFunction {
    public let within: Int64
    public var kept: KeyedState<Key, Int64>

    @inlinable
    public init(within: Duration, restoring state: KeyedState<Key, Int64>) {
        self.within = max(1, within.milliseconds)
        kept = state
    }

    @inlinable
    public func snapshot() -> KeyedState<Key, Int64> { kept }

    @inlinable
    public mutating func process(_ record: KeyedRecord<Key, Value>, _ output: inout ProcessOutput<Key, Value>) {
        if let last = kept[record.key], abs(record.timestamp - last) < within { return }
        kept[record.key] = record.timestamp
        output.emit(record.value, for: record)
        output.setTimer(.eventTime, for: record.key, at: record.timestamp + within)
    }

    @inlinable
    public mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Value>) {
        if kept[timer.key] == timer.time - within { kept[timer.key] = nil }
    }
}
