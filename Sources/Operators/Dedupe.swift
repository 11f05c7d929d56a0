extension KeyedStream where Key: Codable {
    /// Drops repeats: a record whose key was kept at an event time less than `within` away is
    /// dropped; the first record of each key, and the first after `within`, are kept. A key's
    /// state counts as gone once the watermark passes its kept time plus `within`.
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
///
/// It sets no timers. A key's state counts as gone from the record whose watermark has passed
/// its kept time plus `within` — exactly when a clean-up timer would have fired — and expired
/// keys are removed in one sweep each time the watermark has moved `within` on. A timer per kept
/// record cost more than the rest of the operator (hashing the key three more times, a set and a
/// heap insert) and filled checkpoints.
public struct Dedupe<Key: StableHashable & Codable, Value: Sendable>: KeyedProcessFunction {
    public let within: Int64
    public var kept: KeyedState<Key, Int64>
    /// The watermark at the last sweep (not checkpointed: a restored range sweeps soon).
    @usableFromInline var sweptAt = EventTime.beginning

    @inlinable
    public init(within: Duration, restoring state: KeyedState<Key, Int64>) {
        self.within = max(1, within.milliseconds)
        kept = state
    }

    @inlinable
    public func snapshot() -> KeyedState<Key, Int64> { kept }

    /// Its batches come in one call (``process(records:_:)``'s default loop), with no timer checked between records.
    @inlinable
    public static var setsTimers: Bool { false }

    /// Whether a key kept at `time` is gone once the watermark is `watermark` (overflow-safe
    /// `time + within <= watermark`).
    @inlinable
    static func hasExpired(keptAt time: Int64, watermark: Int64, within: Int64) -> Bool {
        guard watermark >= time else { return false }
        let (gap, overflow) = watermark.subtractingReportingOverflow(time)
        return overflow || gap >= within
    }

    @inlinable
    public mutating func process(_ record: KeyedRecord<Key, Value>, _ output: inout ProcessOutput<Key, Value>) {
        let watermark = record.watermark
        let within = self.within
        if Self.hasExpired(keptAt: sweptAt, watermark: watermark, within: within) {
            kept.removeAll { _, time in Self.hasExpired(keptAt: time, watermark: watermark, within: within) }
            sweptAt = watermark
        }
        // One look-up: the key's kept time, read and set in place (`none` while it has none).
        let keeps = kept.update(for: record, default: Self.none) { last in
            if last != Self.none, !Self.hasExpired(keptAt: last, watermark: watermark, within: within),
               abs(record.timestamp - last) < within { return false }
            last = record.timestamp
            return true
        }
        if keeps { output.emit(record.value, for: record) }
    }

    /// Stands for "no time kept" inside ``process(_:_:)`` only: it is replaced before the call ends.
    @usableFromInline static var none: Int64 { .min }

    /// Checkpoints taken before dedupe stopped setting timers still hold its clean-up timers.
    @inlinable
    public mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Value>) {
        if kept[timer.key] == timer.time - within { kept[timer.key] = nil }
    }
}
