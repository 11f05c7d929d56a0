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
    func isAlive(_ written: Int64, at current: Int64) -> Bool {
        guard let timeToLive, current != .min else { return true }
        let (age, overflow) = current.subtractingReportingOverflow(written)
        return !overflow && age < timeToLive.milliseconds
    }

    public mutating func processFirst(_ record: KeyedRecord<Key, First>, _ output: inout ProcessOutput<Key, Joined<First, Second>>) {
        let (written, current) = clock(record, output)
        var state = kept[record.key] ?? UnwindowedJoinState()
        state.seconds.removeAll { !isAlive($0.written, at: current) }
        for second in state.seconds { output.emit(Joined(first: record.value, second: second.value), for: record) }
        state.firsts.removeAll { !isAlive($0.written, at: current) }
        state.firsts.append(.init(value: record.value, written: written))
        kept[record.key] = state
        expire(record.key, written: written, &output)
    }

    public mutating func processSecond(_ record: KeyedRecord<Key, Second>, _ output: inout ProcessOutput<Key, Joined<First, Second>>) {
        let (written, current) = clock(record, output)
        var state = kept[record.key] ?? UnwindowedJoinState()
        state.firsts.removeAll { !isAlive($0.written, at: current) }
        for first in state.firsts { output.emit(Joined(first: first.value, second: record.value), for: record) }
        state.seconds.removeAll { !isAlive($0.written, at: current) }
        state.seconds.append(.init(value: record.value, written: written))
        kept[record.key] = state
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
        state.firsts.removeAll { !isAlive($0.written, at: timer.time) }
        state.seconds.removeAll { !isAlive($0.written, at: timer.time) }
        kept[timer.key] = state.firsts.isEmpty && state.seconds.isEmpty ? nil : state
    }
}
