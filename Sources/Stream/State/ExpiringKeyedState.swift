/// How long keyed state lives after it was last written, as Flink's `StateTtlConfig`: in event
/// time (the watermark) or processing time (the job's clock).
///
/// ```swift
/// StateTimeToLive.eventTime(.hours(1))
/// ```
public enum StateTimeToLive: Sendable, Hashable, Codable {
    case eventTime(milliseconds: Int64)
    case processingTime(milliseconds: Int64)

    public static func eventTime(_ duration: Duration) -> StateTimeToLive { .eventTime(milliseconds: max(1, duration.milliseconds)) }
    public static func processingTime(_ duration: Duration) -> StateTimeToLive { .processingTime(milliseconds: max(1, duration.milliseconds)) }

    @inlinable public var milliseconds: Int64 {
        switch self {
        case .eventTime(let milliseconds), .processingTime(let milliseconds): milliseconds
        }
    }

    /// The time this clock reads at `record`: the watermark before it, or the batch's processing time.
    @inlinable
    public func now<Key, Input, Output>(at record: KeyedRecord<Key, Input>, _ output: ProcessOutput<Key, Output>) -> Int64 {
        if case .eventTime = self { return record.watermark }
        return output.now
    }

    /// The time a write at `record` counts from: its event time, or the batch's processing time.
    @inlinable
    public func writeTime<Key, Input, Output>(at record: KeyedRecord<Key, Input>, _ output: ProcessOutput<Key, Output>) -> Int64 {
        if case .eventTime = self { return record.timestamp }
        return output.now
    }
}

/// A value with the time it was last written.
public struct Written<Value: Codable & Sendable>: Codable, Sendable {
    public var value: Value
    public var at: Int64
}

/// Per-key state that expires: a key's value is gone once its time-to-live has passed since it
/// was last written (in event time: once the watermark is that far past the writing record's
/// time; in processing time: once the clock is). An expired value is never returned; it is removed when read, and left out
/// of snapshots (as of the latest time the state has seen), so checkpoints do not carry it.
///
/// ```swift
/// var last = ExpiringKeyedState<String, Int>(timeToLive: .eventTime(.minutes(30)))
/// last.set(record.key, to: 3, at: record, output)
/// last.get(record.key, at: record, output)      // 3, until the watermark is 30 min past the write
/// ```
public struct ExpiringKeyedState<Key: StableHashable, Value: Codable & Sendable>: Sendable {
    public let timeToLive: StateTimeToLive
    public private(set) var state: KeyedState<Key, Written<Value>>
    /// The latest time read or written: what a snapshot judges expiry by.
    public private(set) var latest = EventTime.beginning

    public init(timeToLive: StateTimeToLive, keyGroups: KeyGroups = KeyGroups()) {
        self.timeToLive = timeToLive
        state = KeyedState(keyGroups: keyGroups)
    }

    /// The state as a snapshot gave it (a stateful function's `init(restoring:)`).
    public init(timeToLive: StateTimeToLive, restoring state: KeyedState<Key, Written<Value>>) {
        self.timeToLive = timeToLive
        self.state = state
    }

    /// Whether a value written at `written` has expired at `now`.
    @inlinable
    func isExpired(_ written: Int64, at now: Int64) -> Bool {
        guard now != EventTime.beginning else { return false }
        let (age, overflow) = now.subtractingReportingOverflow(written)
        return overflow || age >= timeToLive.milliseconds
    }

    /// The key's value at time `now`, or nil if it has none or it expired (then it is removed).
    public mutating func get(_ key: Key, now: Int64) -> Value? {
        latest = max(latest, now)
        guard let written = state[key] else { return nil }
        guard !isExpired(written.at, at: now) else {
            state[key] = nil
            return nil
        }
        return written.value
    }

    /// Sets (or with nil removes) the key's value, written at time `now`.
    public mutating func set(_ key: Key, to value: Value?, now: Int64) {
        latest = max(latest, now)
        state[key] = value.map { Written(value: $0, at: now) }
    }

    /// Sets the key's value as written at `written`, while the clock reads `now`.
    public mutating func set(_ key: Key, to value: Value?, written: Int64, now: Int64) {
        latest = max(latest, now)
        state[key] = value.map { Written(value: $0, at: written) }
    }

    /// ``get(_:now:)`` at the time the state's clock reads at `record`.
    public mutating func get<Input, Output>(_ key: Key, at record: KeyedRecord<Key, Input>, _ output: ProcessOutput<Key, Output>) -> Value? {
        get(key, now: timeToLive.now(at: record, output))
    }

    /// ``set(_:to:now:)`` for `record`: written at its event time (event-time time-to-live) or the
    /// batch's processing time.
    public mutating func set<Input, Output>(_ key: Key, to value: Value?, at record: KeyedRecord<Key, Input>, _ output: ProcessOutput<Key, Output>) {
        set(key, to: value, written: timeToLive.writeTime(at: record, output), now: timeToLive.now(at: record, output))
    }

    /// What a stateful function's `snapshot()` returns: the values not expired at the latest time seen.
    public func snapshot() -> KeyedState<Key, Written<Value>> {
        var live = state
        for key in state.keys where isExpired(state[key]!.at, at: latest) { live[key] = nil }
        return live
    }

    /// Keys holding a value, expired or not yet removed.
    public var count: Int { state.count }
}
