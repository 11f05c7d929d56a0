public import OrderedCollections

/// The windows of one range of key groups: pre-aggregated panes, firing, late updates and
/// clean-up, following Flink's event-time semantics. A value state machine: records and
/// watermarks in, emissions out; no threads, no I/O.
///
/// - A record is judged against `watermark`, the watermark made by the records before it.
/// - A window fires when the watermark reaches `end - 1`.
/// - A record is late for a window once `end - 1 + allowedLateness <= watermark`; it goes to
///   the late output only if it is late for all its windows. Otherwise it is added; if its
///   window had already fired, the updated result for its key is emitted at once.
/// - A window's state is dropped once the watermark passes `end - 1 + allowedLateness`.
/// - Session windows merge when they touch or overlap (as Flink's `TimeWindow.intersects`);
///   lateness is judged on the merged window.
public struct KeyedWindowState<Key: StableHashable, Agg: Aggregator>: Sendable where Agg.Input: Sendable {
    public typealias Emission = WindowEmission<Key, Agg.Output>

    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var accumulator: Agg.Accumulator
        @usableFromInline var keyGroup: Int

        @inlinable init(accumulator: Agg.Accumulator, keyGroup: Int) {
            self.accumulator = accumulator
            self.keyGroup = keyGroup
        }
    }

    @usableFromInline
    struct Session: Sendable {
        @usableFromInline var window: Window
        @usableFromInline var accumulator: Agg.Accumulator

        @inlinable init(window: Window, accumulator: Agg.Accumulator) {
            self.window = window
            self.accumulator = accumulator
        }
    }

    public let spec: WindowSpec
    public let allowedLateness: Int64
    @usableFromInline let aggregator: Agg
    /// Tumbling and sliding windows: each window's keys in insertion order.
    @usableFromInline var panes: [Window: OrderedDictionary<Key, Entry>] = [:]
    /// Session windows: each key's sessions, sorted by start.
    @usableFromInline var sessions: OrderedDictionary<Key, (keyGroup: Int, windows: [Session])> = [:]
    /// The watermark up to which windows have fired.
    public var watermark: Int64 { firedUpTo }
    @usableFromInline var firedUpTo = EventTime.beginning

    @inlinable
    public init(spec: WindowSpec, allowedLateness: Duration = .zero, aggregator: Agg) {
        self.spec = spec
        self.allowedLateness = max(0, allowedLateness.milliseconds)
        self.aggregator = aggregator
    }

    /// Windows (or sessions) holding state.
    public var openWindowCount: Int {
        spec.isSession ? sessions.values.reduce(0) { $0 + $1.windows.count } : panes.count
    }

    // MARK: Records

    /// Takes one record. Fires what `watermark` (the watermark before this record) has reached,
    /// then adds the record. Returns false if the record is late for all its windows.
    @inlinable @discardableResult
    public mutating func add(
        _ input: Agg.Input, key: Key, keyGroup: Int, timestamp: Int64, watermark: Int64, position: Int,
        into emissions: inout [Emission]
    ) -> Bool {
        advance(to: watermark, into: &emissions)
        if spec.isSession {
            return addToSession(input, key: key, keyGroup: keyGroup, timestamp: timestamp, position: position, into: &emissions)
        }
        var accepted = false
        spec.forEachWindow(of: timestamp) { window in
            if isExpired(window) { return }
            accepted = true
            let keyGroupOfKey = keyGroup
            var pane = panes.removeValue(forKey: window) ?? [:]
            let index: Int
            if let existing = pane.index(forKey: key) {
                index = existing
                aggregator.add(input, to: &pane.values[existing].accumulator)
            } else {
                var accumulator = aggregator.zero()
                aggregator.add(input, to: &accumulator)
                index = pane.updateValue(Entry(accumulator: accumulator, keyGroup: keyGroupOfKey), forKey: key, insertingAt: pane.count).index
            }
            if window.maxTimestamp <= self.watermark {
                emissions.append(emission(.lateRecord(position: position), window: window, key: key,
                                          entry: pane.values[index], order: index))
            }
            panes[window] = pane
        }
        return accepted
    }

    @inlinable
    mutating func addToSession(
        _ input: Agg.Input, key: Key, keyGroup: Int, timestamp: Int64, position: Int, into emissions: inout [Emission]
    ) -> Bool {
        guard case .session(let gap) = spec else { return false }
        var merged = Session(window: Window(start: timestamp, end: timestamp + gap), accumulator: aggregator.zero())
        aggregator.add(input, to: &merged.accumulator)
        let existing = sessions[key]?.windows ?? []
        var kept: [Session] = []
        var absorbed: [Session] = []
        for session in existing {
            if session.window.start <= merged.window.end && session.window.end >= merged.window.start {
                absorbed.append(session)
                merged.window = Window(start: min(merged.window.start, session.window.start),
                                       end: max(merged.window.end, session.window.end))
            } else {
                kept.append(session)
            }
        }
        if isExpired(merged.window) { return false }
        for session in absorbed { aggregator.merge(session.accumulator, into: &merged.accumulator) }
        kept.append(merged)
        kept.sort { $0.window.start < $1.window.start }
        let order: Int
        if let index = sessions.index(forKey: key) {
            sessions.values[index].windows = kept
            order = index
        } else {
            order = sessions.updateValue((keyGroup, kept), forKey: key, insertingAt: sessions.count).index
        }
        if merged.window.maxTimestamp <= watermark {
            emissions.append(Emission(trigger: .lateRecord(position: position), keyGroup: keyGroup, order: order,
                                      result: WindowResult(window: merged.window, key: key, value: aggregator.finish(merged.accumulator))))
        }
        return true
    }

    // MARK: Watermarks

    /// Fires every window the watermark has newly reached (in window order), and drops the state
    /// of windows past their allowed lateness.
    @inlinable
    public mutating func advance(to newWatermark: Int64, into emissions: inout [Emission]) {
        guard newWatermark > watermark else { return }
        let previous = firedUpTo
        firedUpTo = newWatermark
        if spec.isSession {
            fireSessions(after: previous, into: &emissions)
        } else {
            firePanes(after: previous, into: &emissions)
        }
    }

    @inlinable
    mutating func firePanes(after previous: Int64, into emissions: inout [Emission]) {
        let due = panes.keys.filter { $0.maxTimestamp > previous && $0.maxTimestamp <= watermark }.sorted()
        for window in due {
            for (order, element) in panes[window]!.elements.enumerated() {
                emissions.append(emission(.watermark, window: window, key: element.key, entry: element.value, order: order))
            }
        }
        for window in panes.keys where isExpired(window) { panes.removeValue(forKey: window) }
    }

    @inlinable
    mutating func fireSessions(after previous: Int64, into emissions: inout [Emission]) {
        var expiredKeys: [Key] = []
        for (order, element) in sessions.elements.enumerated() {
            for session in element.value.windows
            where session.window.maxTimestamp > previous && session.window.maxTimestamp <= watermark {
                emissions.append(Emission(trigger: .watermark, keyGroup: element.value.keyGroup, order: order,
                                          result: WindowResult(window: session.window, key: element.key,
                                                               value: aggregator.finish(session.accumulator))))
            }
            let alive = element.value.windows.filter { !isExpired($0.window) }
            if alive.isEmpty { expiredKeys.append(element.key) } else if alive.count != element.value.windows.count {
                sessions.values[order].windows = alive
            }
        }
        for key in expiredKeys { sessions.removeValue(forKey: key) }
    }

    @inlinable
    func isExpired(_ window: Window) -> Bool {
        // Overflow-safe `maxTimestamp + allowedLateness <= watermark`.
        window.maxTimestamp <= watermark && watermark - window.maxTimestamp >= allowedLateness
    }

    @inlinable
    func emission(_ trigger: Emission.Trigger, window: Window, key: Key, entry: Entry, order: Int) -> Emission {
        Emission(trigger: trigger, keyGroup: entry.keyGroup, order: order,
                 result: WindowResult(window: window, key: key, value: aggregator.finish(entry.accumulator)))
    }
}
