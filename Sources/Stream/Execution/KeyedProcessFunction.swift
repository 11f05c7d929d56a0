/// A stateful operator on a keyed stream: it runs as a long-lived actor, one instance per range
/// of key groups (not one per key), keeps per-key state in a ``KeyedState`` and sets timers.
/// The engine calls ``process(_:_:)`` for each of the range's records of a batch, in stream
/// order, in one loop (no await, lock or actor hop per record), and ``onTimer(_:_:)`` when a
/// timer is due — an event-time timer as soon as the watermark before a record reaches it, so
/// results never depend on batch sizes.
///
/// Its state is checkpointed: ``snapshot()`` gives it, and the operator is made again from a
/// snapshot (split by key group when the parallelism changed) by the closure given to
/// ``KeyedStream/process(_:_:)``, by convention an `init(…, restoring:)`.
///
/// ```swift
/// struct CountPerKey: KeyedProcessFunction {
///     var counts: KeyedState<String, Int>
///     init(restoring state: KeyedState<String, Int>) { counts = state }
///     func snapshot() -> KeyedState<String, Int> { counts }
///     mutating func process(_ record: KeyedRecord<String, Click>, _ output: inout ProcessOutput<String, Int>) {
///         counts[record.key, default: 0] += 1
///         output.emit(counts[record.key]!, for: record)
///     }
/// }
/// clicks.keyed(by: \.user).process("count-per-user") { CountPerKey(restoring: $0) }
/// ```
public protocol KeyedProcessFunction<Key, Input, Output>: Sendable {
    associatedtype Key: StableHashable & Codable
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    associatedtype State: Codable & Sendable

    /// Whether the function sets timers. One that never does says `false` and gets each batch's
    /// records (of its range) in one call to ``process(records:_:)``: no timer is checked
    /// between records. Setting a timer anyway stops the job (a programming error, not data).
    static var setsTimers: Bool { get }
    /// Handles one record: update state, emit, set timers.
    mutating func process(_ record: KeyedRecord<Key, Input>, _ output: inout ProcessOutput<Key, Output>)
    /// Handles a batch's records in stream order, for a function that sets no timers. By
    /// default it calls ``process(_:_:)`` for each.
    ///
    /// ```swift
    /// static var setsTimers: Bool { false }
    /// mutating func process(records: KeyedRecords<String, Click>, _ output: inout ProcessOutput<String, Int>) {
    ///     for record in records { counts[record.key, default: 0] += 1 }
    /// }
    /// ```
    mutating func process(records: KeyedRecords<Key, Input>, _ output: inout ProcessOutput<Key, Output>)
    /// Handles a due timer. By default nothing happens.
    mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Output>)
    /// The per-key state, for a checkpoint.
    func snapshot() -> KeyedState<Key, State>
}

extension KeyedProcessFunction {
    public static var setsTimers: Bool { true }

    public mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Output>) {}

    @inlinable
    public mutating func process(records: KeyedRecords<Key, Input>, _ output: inout ProcessOutput<Key, Output>) {
        for record in records { process(record, &output) }
    }
}

/// One range's records of a batch, in stream order, as ``KeyedRecord``s: what a function that
/// sets no timers gets in one call (see ``KeyedProcessFunction/process(records:_:)``).
public struct KeyedRecords<Key: Sendable, Value: Sendable>: RandomAccessCollection, Sendable {
    @usableFromInline let batch: RangeBatch<Key, Value>

    @inlinable
    init(_ batch: RangeBatch<Key, Value>) {
        self.batch = batch
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { batch.members.count }

    @inlinable
    public subscript(index: Int) -> KeyedRecord<Key, Value> {
        let member = batch.members[index]
        return KeyedRecord(key: batch.keys[member], value: batch.records.values[member], timestamp: batch.records.timestamps[member],
                           watermark: batch.records.watermarks[member], position: batch.firstPosition + member, keyGroup: batch.groups[member])
    }
}

/// One record as a stateful operator sees it.
public struct KeyedRecord<Key: Sendable, Value: Sendable>: Sendable {
    public let key: Key
    public let value: Value
    /// Its event time (or processing time, after `processingTime()`).
    public let timestamp: Int64
    /// The watermark before it.
    public let watermark: Int64
    /// Its position in the stream, which orders what it emits.
    @usableFromInline let position: Int
    @usableFromInline let keyGroup: Int

    @inlinable
    init(key: Key, value: Value, timestamp: Int64, watermark: Int64, position: Int, keyGroup: Int) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.watermark = watermark
        self.position = position
        self.keyGroup = keyGroup
    }

    /// The same record (key, time, place in the stream) carrying `value` instead: what an
    /// operator written on another one passes on, so what it emits keeps the record's place.
    ///
    /// ```swift
    /// inner.process(record.withValue(order), &output)
    /// ```
    @inlinable
    public func withValue<Other>(_ value: Other) -> KeyedRecord<Key, Other> {
        KeyedRecord<Key, Other>(key: key, value: value, timestamp: timestamp, watermark: watermark, position: position, keyGroup: keyGroup)
    }
}

/// Where a stateful operator emits records and sets timers; also says what time it is.
public struct ProcessOutput<Key: StableHashable & Codable, Output: Sendable>: Sendable {
    @usableFromInline var values: [Output] = []
    @usableFromInline var order: [OutputOrder] = []
    @usableFromInline var timestamps: [Int64] = []
    @usableFromInline var timers: TimerQueue<Key>
    @usableFromInline let keyGroups: KeyGroups
    /// The timer being handled, and where its output goes in the stream.
    @usableFromInline var firing: (timer: KeyedTimer<Key>, position: Int)?
    /// Processing time for this batch, in milliseconds since the epoch (the job's clock).
    public let now: Int64
    /// In `onTimer` for an event-time timer: the watermark that made it due (at or past its time).
    public var watermark: Int64 { firingWatermark }
    @usableFromInline var firingWatermark = EventTime.beginning

    @inlinable
    init(timers: TimerQueue<Key>, keyGroups: KeyGroups, now: Int64) {
        self.timers = timers
        self.keyGroups = keyGroups
        self.now = now
    }

    /// Emits `value` as a result of `record`, with the record's time.
    @inlinable
    public mutating func emit<Input>(_ value: Output, for record: KeyedRecord<Key, Input>) {
        values.append(value)
        timestamps.append(record.timestamp)
        order.append(OutputOrder(position: record.position, phase: 0, time: 0, keyGroup: record.keyGroup,
                                 keyHash: 0, sequence: order.count))
    }

    /// Emits `value` as a result of `record`, in its place in the stream, with another event time
    /// (a join's result carries the later of its two records' times).
    ///
    /// ```swift
    /// output.emit(Joined(first: order, second: payment.value), for: payment, timestamp: max(order.time, payment.timestamp))
    /// ```
    @inlinable
    public mutating func emit<Input>(_ value: Output, for record: KeyedRecord<Key, Input>, timestamp: Int64) {
        values.append(value)
        timestamps.append(timestamp)
        order.append(OutputOrder(position: record.position, phase: 0, time: 0, keyGroup: record.keyGroup,
                                 keyHash: 0, sequence: order.count))
    }

    /// Emits `value` from the timer being handled, with the timer's time. Only in `onTimer`.
    @inlinable
    public mutating func emit(_ value: Output) {
        guard let (timer, position) = firing else {
            preconditionFailure("emit(_:) without a record is only for onTimer; use emit(_:for:)")
        }
        values.append(value)
        timestamps.append(timer.time)
        order.append(OutputOrder(position: position, phase: 1, time: timer.time, keyGroup: timer.keyGroup,
                                 keyHash: timer.key.stableHash, sequence: order.count))
    }

    /// Calls `onTimer` for `key` once the watermark (event time) or the clock (processing
    /// time) reaches `time`. Setting the same timer twice sets it once.
    @inlinable
    public mutating func setTimer(_ domain: KeyedTimer<Key>.Domain, for key: Key, at time: Int64) {
        timers.insert(KeyedTimer(key: key, time: time, domain: domain, keyGroup: keyGroups.group(of: key)))
    }

    /// Removes a timer set with the same key, time and domain.
    @inlinable
    public mutating func deleteTimer(_ domain: KeyedTimer<Key>.Domain, for key: Key, at time: Int64) {
        timers.remove(KeyedTimer(key: key, time: time, domain: domain, keyGroup: keyGroups.group(of: key)))
    }
}

/// Where an emitted record goes in the stream: after the record that caused it (phase 0) or,
/// for a timer, after the record whose watermark made it due (phase 1); ties by timer time,
/// key group and key hash, so the order does not depend on how key groups are split into ranges.
@usableFromInline
struct OutputOrder: Sendable, Comparable {
    @usableFromInline var position: Int
    @usableFromInline var phase: Int
    @usableFromInline var time: Int64
    @usableFromInline var keyGroup: Int
    @usableFromInline var keyHash: UInt64
    @usableFromInline var sequence: Int

    @inlinable
    init(position: Int, phase: Int, time: Int64, keyGroup: Int, keyHash: UInt64, sequence: Int) {
        self.position = position
        self.phase = phase
        self.time = time
        self.keyGroup = keyGroup
        self.keyHash = keyHash
        self.sequence = sequence
    }

    @inlinable
    static func < (a: OutputOrder, b: OutputOrder) -> Bool {
        if a.position != b.position { return a.position < b.position }
        if a.phase != b.phase { return a.phase < b.phase }
        if a.time != b.time { return a.time < b.time }
        if a.keyGroup != b.keyGroup { return a.keyGroup < b.keyGroup }
        if a.keyHash != b.keyHash { return a.keyHash < b.keyHash }
        return a.sequence < b.sequence
    }

    @inlinable
    static func == (a: OutputOrder, b: OutputOrder) -> Bool {
        !(a < b) && !(b < a)
    }
}
