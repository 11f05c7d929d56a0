extension JoinStreams {
    /// An unwindowed (regular) inner join: each record is joined with every record of the other
    /// stream of its key seen so far and still alive, and kept for those to come. Without
    /// `timeToLive` the state grows with the keys and records (as Flink SQL's regular join
    /// without `table.exec.state.ttl`). `id` names the step and its state.
    ///
    /// A record's time-to-live counts from its event time (the watermark must get that far past
    /// it) or from when it was processed, as ``ExpiringKeyedState``'s does.
    ///
    /// ```swift
    /// persons.join(auctions, on: \.id, \.seller).unwindowed("sellers", timeToLive: .eventTime(.hours(12)))
    /// ```
    public func unwindowed(_ id: String, timeToLive: StateTimeToLive? = nil) -> DataStream<Joined<First, Second>> {
        keyed.process(id) { UnwindowedJoin<Key, First, Second>(timeToLive: timeToLive, restoring: $0) }
    }
}

/// One key's records in an unwindowed join, in arrival order, each with when it was written.
public struct UnwindowedJoinState<First: Codable & Sendable, Second: Codable & Sendable>: Codable, Sendable {
    public struct Kept<Value: Codable & Sendable>: Codable, Sendable {
        public var value: Value
        public var written: Int64
    }

    public var firsts: [Kept<First>] = []
    public var seconds: [Kept<Second>] = []
}

/// The operator behind ``JoinStreams/unwindowed(_:timeToLive:)``.
public struct UnwindowedJoin<Key: StableHashable & Codable, First: Codable & Sendable, Second: Codable & Sendable>: KeyedCoProcessFunction {
    public let timeToLive: StateTimeToLive?
    public var kept: KeyedState<Key, UnwindowedJoinState<First, Second>>

    public init(timeToLive: StateTimeToLive?, restoring state: KeyedState<Key, UnwindowedJoinState<First, Second>>) {
        self.timeToLive = timeToLive
        kept = state
    }

    public func snapshot() -> KeyedState<Key, UnwindowedJoinState<First, Second>> { kept }

    /// The time a record is written at, and the time it is judged alive against (as
    /// ``ExpiringKeyedState`` does).
    func clock<Value>(_ record: KeyedRecord<Key, Value>, _ output: ProcessOutput<Key, Joined<First, Second>>) -> (written: Int64, current: Int64) {
        guard let timeToLive else { return (record.timestamp, record.watermark) }
        return (timeToLive.writeTime(at: record, output), timeToLive.now(at: record, output))
    }

    /// Whether a record written at `written` is still alive at `current`.
    static func isAlive(_ written: Int64, at current: Int64, _ timeToLive: StateTimeToLive?) -> Bool {
        guard let timeToLive, current != .min else { return true }
        let (age, overflow) = current.subtractingReportingOverflow(written)
        return !overflow && age < timeToLive.milliseconds
    }

    // The key's state is changed in place (never copied, however many records it holds), and
    // read without a copy of its records.

    public mutating func processFirst(_ record: KeyedRecord<Key, First>, _ output: inout ProcessOutput<Key, Joined<First, Second>>) {
        let (written, current) = clock(record, output)
        let ttl = timeToLive
        kept[record.key, default: UnwindowedJoinState()].seconds.removeAll { !Self.isAlive($0.written, at: current, ttl) }
        for second in kept[record.key]?.seconds ?? [] { output.emit(Joined(first: record.value, second: second.value), for: record) }
        kept[record.key, default: UnwindowedJoinState()].firsts.removeAll { !Self.isAlive($0.written, at: current, ttl) }
        kept[record.key, default: UnwindowedJoinState()].firsts.append(.init(value: record.value, written: written))
        expire(record.key, written: written, &output)
    }

    public mutating func processSecond(_ record: KeyedRecord<Key, Second>, _ output: inout ProcessOutput<Key, Joined<First, Second>>) {
        let (written, current) = clock(record, output)
        let ttl = timeToLive
        kept[record.key, default: UnwindowedJoinState()].firsts.removeAll { !Self.isAlive($0.written, at: current, ttl) }
        for first in kept[record.key]?.firsts ?? [] { output.emit(Joined(first: first.value, second: record.value), for: record) }
        kept[record.key, default: UnwindowedJoinState()].seconds.removeAll { !Self.isAlive($0.written, at: current, ttl) }
        kept[record.key, default: UnwindowedJoinState()].seconds.append(.init(value: record.value, written: written))
        expire(record.key, written: written, &output)
    }

    /// Sets the timer that removes what was written at `written` once its time is up.
    mutating func expire(_ key: Key, written: Int64, _ output: inout ProcessOutput<Key, Joined<First, Second>>) {
        guard let timeToLive else { return }
        if case .eventTime = timeToLive {
            output.setTimer(.eventTime, for: key, at: written + timeToLive.milliseconds)
        } else {
            output.setTimer(.processingTime, for: key, at: written + timeToLive.milliseconds)
        }
    }

    public mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Joined<First, Second>>) {
        guard var state = kept[timer.key] else { return }
        kept[timer.key] = nil   // the only reference left: cleaned in place, stored back below
        let ttl = timeToLive
        state.firsts.removeAll { !Self.isAlive($0.written, at: timer.time, ttl) }
        state.seconds.removeAll { !Self.isAlive($0.written, at: timer.time, ttl) }
        kept[timer.key] = state.firsts.isEmpty && state.seconds.isEmpty ? nil : state
    }
}
