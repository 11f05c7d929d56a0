public import Stream
public import Operators

/// Drives a ``KeyedProcessFunction`` by hand: push records with their event time, move the
/// watermark, move processing time on a ``TestClock``, read what it emitted and which timers are
/// set, and take a snapshot to restore from. No job, no threads — the engine's own per-range
/// logic, so timers fire exactly as in a running job.
///
/// ```swift
/// var harness = ProcessHarness { Dedupe<String, Click>(within: .seconds(10), restoring: $0) }
/// harness.push(click, key: "ada", at: 1_000)
/// harness.takeOutput()                 // [click]
/// harness.timers.map(\.time)           // [11000]
/// harness.advanceWatermark(to: 11_000)
/// var again = ProcessHarness(restoring: harness.snapshot()) { Dedupe(within: .seconds(10), restoring: $0) }
/// ```
public struct ProcessHarness<Function: KeyedProcessFunction> {
    public private(set) var range: SingleRangeProcess<Function>
    /// Processing time: ``advanceProcessingTime(by:)`` moves it and fires the timers it reaches.
    public let clock: TestClock
    /// The current watermark: records pushed are judged against it.
    public private(set) var watermark = EventTime.beginning
    private var output: [SingleRangeProcess<Function>.Emitted] = []

    /// A fresh function, made by `make` from empty state.
    public init(clock: TestClock = TestClock(), keyGroups: KeyGroups = KeyGroups(),
                _ make: (KeyedState<Function.Key, Function.State>) throws -> Function) rethrows {
        self.clock = clock
        range = SingleRangeProcess(try make(KeyedState(keyGroups: keyGroups)), keyGroups: keyGroups)
    }

    /// A function made by `make` from a snapshot (a restore), with its timers.
    public init(restoring snapshot: ProcessSnapshot<Function.Key, Function.State>, clock: TestClock = TestClock(),
                keyGroups: KeyGroups = KeyGroups(), _ make: (KeyedState<Function.Key, Function.State>) throws -> Function) rethrows {
        self.clock = clock
        range = SingleRangeProcess(try make(snapshot.state), timers: snapshot.timers, keyGroups: keyGroups)
    }

    /// Pushes one record at event time `timestamp`, judged against the current watermark.
    public mutating func push(_ value: Function.Input, key: Function.Key, at timestamp: Int64) {
        output += range.push(value, key: key, timestamp: timestamp, watermark: watermark, now: clock.epochMilliseconds)
    }

    /// Moves the watermark (never back): the event-time timers it reaches fire.
    public mutating func advanceWatermark(to watermark: Int64) {
        self.watermark = max(self.watermark, watermark)
        output += range.advance(watermark: self.watermark, now: clock.epochMilliseconds)
    }

    /// Moves the test clock on: the processing-time timers it reaches fire.
    public mutating func advanceProcessingTime(by duration: Duration) {
        clock.advance(by: duration)
        output += range.advance(watermark: watermark, now: clock.epochMilliseconds)
    }

    /// Ends the input: every event-time timer fires, as at the end of a bounded input.
    public mutating func finish() {
        advanceWatermark(to: EventTime.end)
    }

    /// What was emitted since the last call, in the order a job would emit it.
    public mutating func takeOutput() -> [Function.Output] {
        defer { output = [] }
        return output.map(\.value)
    }

    /// What was emitted since the last call, with each record's event time.
    public mutating func takeTimedOutput() -> [(value: Function.Output, timestamp: Int64)] {
        defer { output = [] }
        return output.map { ($0.value, $0.timestamp) }
    }

    /// The timers set and not yet fired.
    public var timers: [KeyedTimer<Function.Key>] { range.timers }

    /// The state and timers, as a checkpoint would hold them.
    public func snapshot() -> ProcessSnapshot<Function.Key, Function.State> { range.snapshot() }
}

/// Drives a ``KeyedCoProcessFunction`` by hand, like ``ProcessHarness``: push records into
/// input 1 (`pushFirst`) or input 2 (`pushSecond`) in any order.
///
/// ```swift
/// var harness = CoProcessHarness { Matcher(restoring: $0) }
/// harness.pushFirst(order, key: "o1", at: 1_000)
/// harness.pushSecond(payment, key: "o1", at: 2_000)
/// harness.takeOutput()   // ["paid o1"]
/// ```
public struct CoProcessHarness<Function: KeyedCoProcessFunction> {
    public private(set) var harness: ProcessHarness<CoProcessAdapter<Function>>

    public init(clock: TestClock = TestClock(), keyGroups: KeyGroups = KeyGroups(),
                _ make: (KeyedState<Function.Key, Function.State>) throws -> Function) rethrows {
        harness = try ProcessHarness(clock: clock, keyGroups: keyGroups) { CoProcessAdapter(try make($0)) }
    }

    public init(restoring snapshot: ProcessSnapshot<Function.Key, Function.State>, clock: TestClock = TestClock(),
                keyGroups: KeyGroups = KeyGroups(), _ make: (KeyedState<Function.Key, Function.State>) throws -> Function) rethrows {
        harness = try ProcessHarness(restoring: snapshot, clock: clock, keyGroups: keyGroups) { CoProcessAdapter(try make($0)) }
    }

    public var clock: TestClock { harness.clock }
    public var watermark: Int64 { harness.watermark }
    public var timers: [KeyedTimer<Function.Key>] { harness.timers }

    /// Pushes a record into input 1 (the first stream).
    public mutating func pushFirst(_ value: Function.First, key: Function.Key, at timestamp: Int64) {
        harness.push(.first(value), key: key, at: timestamp)
    }

    /// Pushes a record into input 2 (the second stream).
    public mutating func pushSecond(_ value: Function.Second, key: Function.Key, at timestamp: Int64) {
        harness.push(.second(value), key: key, at: timestamp)
    }

    public mutating func advanceWatermark(to watermark: Int64) { harness.advanceWatermark(to: watermark) }
    public mutating func advanceProcessingTime(by duration: Duration) { harness.advanceProcessingTime(by: duration) }
    public mutating func finish() { harness.finish() }
    public mutating func takeOutput() -> [Function.Output] { harness.takeOutput() }
    public func snapshot() -> ProcessSnapshot<Function.Key, Function.State> { harness.snapshot() }
}
