/// A ``KeyedProcessFunction`` run as one range of every key group, one record at a time, with
/// the watermark and processing time given by the caller: the engine's own per-range logic
/// (timers fire as a running job fires them), without a job. Test harnesses are built on it.
///
/// ```swift
/// var range = SingleRangeProcess(CountPerKey(restoring: KeyedState()))
/// range.push("click", key: "ada", timestamp: 100, watermark: 50, now: 0)   // what it emitted
/// range.advance(watermark: 1_000, now: 0)                                  // what timers emitted
/// ```
public struct SingleRangeProcess<Function: KeyedProcessFunction> {
    /// One emitted record and its event time.
    public struct Emitted: Sendable {
        public var value: Function.Output
        public var timestamp: Int64
    }

    @usableFromInline var range: ProcessRange<Function>
    public let keyGroups: KeyGroups
    /// Records pushed so far.
    public private(set) var position = 0

    /// Starts `function` with `timers` (none on a fresh start).
    public init(_ function: Function, timers: TimerQueue<Function.Key> = TimerQueue(), keyGroups: KeyGroups = KeyGroups()) {
        self.keyGroups = keyGroups
        // A range actor's initializer only fails without its initial state, which is given here.
        range = try! ProcessRange(restoring: (ProcessRange.Initial(function: function, timers: timers), keyGroups))
    }

    /// Handles one record, judged against `watermark` (the watermark before it); event-time
    /// timers due at `watermark` fire first, processing-time timers due at `now` after it.
    public mutating func push(_ value: Function.Input, key: Function.Key, timestamp: Int64, watermark: Int64, now: Int64) -> [Emitted] {
        let hash = key.stableHash
        let part = RangeBatch<Function.Key, Function.Input>.single(value, key: key, hash: hash, group: keyGroups.group(ofHash: hash),
                                                                   timestamp: timestamp, watermark: watermark, position: position)
        let timeline = WatermarkTimeline(firstPosition: position, watermarks: [watermark], watermarkBefore: watermark)
        position += 1
        return Self.emitted(range.process(part, timeline: timeline, endWatermark: watermark, now: now))
    }

    /// Moves the watermark and the clock on: the timers they reach fire, in time order.
    public mutating func advance(watermark: Int64, now: Int64) -> [Emitted] {
        let timeline = WatermarkTimeline(firstPosition: position, watermarks: [])
        return Self.emitted(range.process(RangeBatch(), timeline: timeline, endWatermark: watermark, now: now))
    }

    /// The timers set and not yet fired, earliest first (event time, then processing time).
    public var timers: [KeyedTimer<Function.Key>] { range.timers.sorted }

    /// The function's state and timers, as a checkpoint holds them.
    public func snapshot() -> ProcessSnapshot<Function.Key, Function.State> { range.checkpointState() }

    static func emitted(_ output: ProcessOutput<Function.Key, Function.Output>) -> [Emitted] {
        OutputOrder.merged([output.order]).map { Emitted(value: output.values[$0.index], timestamp: output.timestamps[$0.index]) }
    }
}
