extension DataStream where Value: Codable {
    /// Joins each record of this stream with every record of `other` of the same key whose time
    /// lies within `bounds` of its own (both bounds inclusive, as Flink's interval join): `b`
    /// joins `a` when `a.time + bounds.lowerBound ≤ b.time ≤ a.time + bounds.upperBound`. A
    /// result carries the later of the two times. Records wait in keyed state until the
    /// watermark passes the last time a partner could have; a record older than its stream's
    /// watermark when it arrives goes to `late`. `id` names the step and its state.
    ///
    /// ```swift
    /// let paid = orders.intervalJoin(payments, on: \.id, \.orderID, between: .zero ... .minutes(10), id: "paid")
    /// paid.results.map { "\($0.first.id),\($0.second.amount)" }.sink("out", .stdout())
    /// ```
    public func intervalJoin<Other: Codable, Key: StableHashable & Codable>(
        _ other: DataStream<Other>, on key: @escaping @Sendable (Value) -> Key, _ otherKey: @escaping @Sendable (Other) -> Key,
        between bounds: ClosedRange<Duration>, id: String
    ) -> JoinedStreams<Joined<Value, Other>, Value, Other> {
        let lower = bounds.lowerBound.milliseconds
        let upper = bounds.upperBound.milliseconds
        return connect(other).keyed(by: key, otherKey)
            .process(id) { IntervalJoin<Key, Value, Other, Joined<Value, Other>>(lower: lower, upper: upper, outer: nil, restoring: $0) }
            .splitJoined()
    }

    /// ``intervalJoin(_:on:_:between:id:)`` that also emits, once the watermark has passed the
    /// last time a partner could have come, each record of the side(s) `kind` names that matched
    /// nothing (with the other side nil, at its own time).
    ///
    /// ```swift
    /// let unpaid = orders.intervalOuterJoin(payments, .left, on: \.id, \.orderID, between: .zero ... .minutes(10), id: "unpaid")
    /// ```
    public func intervalOuterJoin<Other: Codable, Key: StableHashable & Codable>(
        _ other: DataStream<Other>, _ kind: OuterJoinKind, on key: @escaping @Sendable (Value) -> Key,
        _ otherKey: @escaping @Sendable (Other) -> Key, between bounds: ClosedRange<Duration>, id: String
    ) -> JoinedStreams<OuterJoined<Value, Other>, Value, Other> {
        let lower = bounds.lowerBound.milliseconds
        let upper = bounds.upperBound.milliseconds
        return connect(other).keyed(by: key, otherKey)
            .process(id) { IntervalJoin<Key, Value, Other, OuterJoined<Value, Other>>(lower: lower, upper: upper, outer: kind, restoring: $0) }
            .splitJoined()
    }
}

/// One key's records waiting for partners in an interval join, in arrival order, each with its
/// time and whether it found one.
public struct IntervalJoinBuffer<First: Codable & Sendable, Second: Codable & Sendable>: Codable, Sendable {
    public struct Waiting<Value: Codable & Sendable>: Codable, Sendable {
        public var value: Value
        public var time: Int64
        public var matched: Bool
    }

    public var firsts: [Waiting<First>] = []
    public var seconds: [Waiting<Second>] = []
    /// When the key's one cleanup timer is set for: the earliest time a waiting record expires.
    public var cleanupAt: Int64?

    var isEmpty: Bool { firsts.isEmpty && seconds.isEmpty }

    mutating func add(first: Waiting<First>, matchingSeconds: [Int]) {
        for index in matchingSeconds { seconds[index].matched = true }
        firsts.append(first)
    }

    mutating func add(second: Waiting<Second>, matchingFirsts: [Int]) {
        for index in matchingFirsts { firsts[index].matched = true }
        seconds.append(second)
    }
}

/// A join result for the pairs and, in an outer join, the records that matched nothing.
public protocol JoinOutput: Sendable {
    associatedtype First: Sendable
    associatedtype Second: Sendable
    /// The result for these sides, or nil if this kind of result cannot hold them.
    static func joining(_ first: First?, _ second: Second?) -> Self?
}

extension Joined: JoinOutput {
    /// A pair; nil without both sides (an inner join emits no unmatched record).
    public static func joining(_ first: First?, _ second: Second?) -> Joined? {
        guard let first, let second else { return nil }
        return Joined(first: first, second: second)
    }
}

extension OuterJoined: JoinOutput {
    public static func joining(_ first: First?, _ second: Second?) -> OuterJoined? {
        OuterJoined(first: first, second: second)
    }
}

/// The operator behind ``DataStream/intervalJoin(_:on:_:between:id:)``: per key, the records of both
/// streams that may still find a partner. A record is dropped from the state (and, in an outer
/// join, emitted alone if it never matched) once the watermark is past the last time a partner
/// could have: a first-stream record at `t + upper`, a second-stream record at `t − lower`.
public struct IntervalJoin<Key: StableHashable & Codable, First: Codable & Sendable, Second: Codable & Sendable, Output: JoinOutput>:
KeyedCoProcessFunction where Output.First == First, Output.Second == Second {
    public typealias Result = Either<Output, Either<First, Second>>
    public let lower: Int64
    public let upper: Int64
    public let outer: OuterJoinKind?
    public var buffers: KeyedState<Key, IntervalJoinBuffer<First, Second>>

    public init(lower: Int64, upper: Int64, outer: OuterJoinKind?, restoring state: KeyedState<Key, IntervalJoinBuffer<First, Second>>) {
        self.lower = lower
        self.upper = upper
        self.outer = outer
        buffers = state
    }

    public func snapshot() -> KeyedState<Key, IntervalJoinBuffer<First, Second>> { buffers }

    public mutating func processFirst(_ record: KeyedRecord<Key, First>, _ output: inout ProcessOutput<Key, Result>) {
        guard record.timestamp >= record.watermark else {
            output.emit(.second(.first(record.value)), for: record)
            return
        }
        let partners = matches(in: buffers[record.key]?.seconds ?? [], from: record.timestamp + lower, to: record.timestamp + upper) {
            if let pair = Output.joining(record.value, $0.value) {
                output.emit(.first(pair), for: record, timestamp: max(record.timestamp, $0.time))
            }
        }
        // In place: the key's buffer is changed, never copied, however many records it holds.
        buffers[record.key, default: IntervalJoinBuffer()].add(first: .init(value: record.value, time: record.timestamp, matched: !partners.isEmpty),
                                                               matchingSeconds: partners)
        cleanUp(record.key, at: record.timestamp + upper + 1, &output)
    }

    public mutating func processSecond(_ record: KeyedRecord<Key, Second>, _ output: inout ProcessOutput<Key, Result>) {
        guard record.timestamp >= record.watermark else {
            output.emit(.second(.second(record.value)), for: record)
            return
        }
        let partners = matches(in: buffers[record.key]?.firsts ?? [], from: record.timestamp - upper, to: record.timestamp - lower) {
            if let pair = Output.joining($0.value, record.value) {
                output.emit(.first(pair), for: record, timestamp: max(record.timestamp, $0.time))
            }
        }
        buffers[record.key, default: IntervalJoinBuffer()].add(second: .init(value: record.value, time: record.timestamp, matched: !partners.isEmpty),
                                                               matchingFirsts: partners)
        cleanUp(record.key, at: record.timestamp - lower + 1, &output)
    }

    /// Keeps one cleanup timer per key, at the earliest time one of its records expires (a
    /// timer per record made each firing scan the key's whole buffer).
    mutating func cleanUp(_ key: Key, at time: Int64, _ output: inout ProcessOutput<Key, Result>) {
        guard let current = buffers[key]?.cleanupAt, current <= time else {
            if let current = buffers[key]?.cleanupAt { output.deleteTimer(.eventTime, for: key, at: current) }
            output.setTimer(.eventTime, for: key, at: time)
            buffers[key, default: IntervalJoinBuffer()].cleanupAt = time
            return
        }
    }

    /// The indices of the waiting records with a time in `from ... to`, each handed to `body`.
    func matches<Value>(in waiting: [IntervalJoinBuffer<First, Second>.Waiting<Value>], from: Int64, to: Int64,
                        _ body: (IntervalJoinBuffer<First, Second>.Waiting<Value>) -> Void) -> [Int] {
        var found: [Int] = []
        for index in waiting.indices where waiting[index].time >= from && waiting[index].time <= to {
            found.append(index)
            body(waiting[index])
        }
        return found
    }

    /// Drops what can no longer match, emitting the unmatched records an outer join keeps.
    public mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Result>) {
        guard var buffer = buffers[timer.key] else { return }
        buffers[timer.key] = nil   // the only reference left: cleaned in place, stored back below
        // Everything the watermark has passed goes, not only what this timer was set for.
        let now = max(timer.time, output.watermark)
        buffer.firsts.removeAll { waiting in
            guard waiting.time + upper + 1 <= now else { return false }
            if !waiting.matched, outer?.keepsFirst == true, let alone = Output.joining(waiting.value, nil) {
                output.emit(.first(alone))
            }
            return true
        }
        buffer.seconds.removeAll { waiting in
            guard waiting.time - lower + 1 <= now else { return false }
            if !waiting.matched, outer?.keepsSecond == true, let alone = Output.joining(nil, waiting.value) {
                output.emit(.first(alone))
            }
            return true
        }
        guard !buffer.isEmpty else { return }
        // The next cleanup: when the earliest record left expires.
        let next = min(buffer.firsts.map { $0.time + upper + 1 }.min() ?? .max, buffer.seconds.map { $0.time - lower + 1 }.min() ?? .max)
        buffer.cleanupAt = next
        buffers[timer.key] = buffer
        output.setTimer(.eventTime, for: timer.key, at: next)
    }
}
