public import Stream

/// Drives a keyed window by hand: push records with their event time, move the watermark,
/// read what fired. No job, no threads, no clock — for testing window logic and aggregators.
///
/// ```swift
/// var harness = WindowHarness<String, Count<Int>>(.tumbling(.seconds(1)), aggregator: Count())
/// harness.push(1, key: "a", at: 100)
/// harness.advanceWatermark(to: 999)
/// harness.takeResults()   // [WindowResult(window: [0, 1000), key: "a", value: 1)]
/// ```
public struct WindowHarness<Key: StableHashable, Agg: Aggregator>: Sendable where Agg.Input: Sendable {
    public private(set) var state: KeyedWindowState<Key, Agg>
    public let keyGroups: KeyGroups
    private var pending: [WindowResult<Key, Agg.Output>] = []
    private var position = 0
    /// Records that were late for all their windows, in the order pushed.
    public private(set) var late: [Agg.Input] = []

    public init(_ spec: WindowSpec, allowedLateness: Duration = .zero, aggregator: Agg, keyGroups: KeyGroups = KeyGroups()) {
        state = KeyedWindowState(spec: spec, allowedLateness: allowedLateness, aggregator: aggregator)
        self.keyGroups = keyGroups
    }

    /// Continues from a snapshot of another harness's state (a restore).
    public init(restoring state: KeyedWindowState<Key, Agg>, keyGroups: KeyGroups = KeyGroups()) {
        self.state = state
        self.keyGroups = keyGroups
    }

    /// Pushes one record, judged against the current watermark; false if it was late for all its windows.
    @discardableResult
    public mutating func push(_ input: Agg.Input, key: Key, at timestamp: Int64) -> Bool {
        var emissions: [WindowEmission<Key, Agg.Output>] = []
        let hash = key.stableHash
        let accepted = state.add(input, key: key, hash: hash, keyGroup: keyGroups.group(ofHash: hash), timestamp: timestamp,
                                 watermark: state.watermark, position: position, into: &emissions)
        position += 1
        if !accepted { late.append(input) }
        pending += emissions.map(\.result)
        return accepted
    }

    /// Moves the watermark; windows it reaches fire, in window order, then key group order.
    public mutating func advanceWatermark(to watermark: Int64) {
        var emissions: [WindowEmission<Key, Agg.Output>] = []
        state.advance(to: watermark, into: &emissions)
        pending += WindowEmission.streamOrder(emissions) { _ in 0 }.map(\.result)
    }

    /// Ends the input: every open window fires.
    public mutating func finish() {
        advanceWatermark(to: EventTime.end)
    }

    /// What fired since the last call, in emission order.
    public mutating func takeResults() -> [WindowResult<Key, Agg.Output>] {
        defer { pending = [] }
        return pending
    }
}
