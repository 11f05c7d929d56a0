public import HeapModule
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
    struct KeySessions: Sendable {
        @usableFromInline var keyGroup: Int
        @usableFromInline var windows: [Session]
        /// The time of this key's live entry in `sessionsDue`.
        @usableFromInline var due: Int64

        @inlinable init(keyGroup: Int, windows: [Session], due: Int64) {
            self.keyGroup = keyGroup
            self.windows = windows
            self.due = due
        }
    }

    /// A key due at a time (a `sessionsDue` entry), ordered by time alone.
    @usableFromInline
    struct SessionDue: Comparable, Sendable {
        @usableFromInline let time: Int64
        @usableFromInline let key: Key

        @inlinable init(time: Int64, key: Key) {
            self.time = time
            self.key = key
        }

        @inlinable static func < (a: SessionDue, b: SessionDue) -> Bool { a.time < b.time }
        @inlinable static func == (a: SessionDue, b: SessionDue) -> Bool { a.time == b.time }
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
    /// A tumbling or sliding window's keys, in insertion order.
    @usableFromInline
    struct Pane: Sendable {
        @usableFromInline var window: Window
        @usableFromInline var table: KeyedTable<Key, Entry>

        @inlinable init(window: Window) {
            self.window = window
            table = KeyedTable()
        }
    }

    /// Tumbling and sliding windows holding state, in window order (a few at a time).
    @usableFromInline var panes: [Pane] = []
    /// Session windows: each key's sessions, sorted by start, and when the key is next due (see
    /// `sessionsDue`).
    @usableFromInline var sessions: OrderedDictionary<Key, KeySessions> = [:]
    /// When each key with sessions next needs the watermark's attention (a session fires or
    /// expires), earliest first: a watermark step visits only the keys due, not every key.
    /// Entries are not removed when a key's time moves: an entry whose time is not the key's
    /// `due` is stale and skipped.
    @usableFromInline var sessionsDue = Heap<SessionDue>()
    /// The watermark up to which windows have fired.
    public var watermark: Int64 { firedUpTo }
    @usableFromInline var firedUpTo = EventTime.beginning

    @inlinable
    public init(spec: WindowSpec, allowedLateness: Duration = .zero, aggregator: Agg) {
        self.spec = spec
        self.allowedLateness = max(0, allowedLateness.milliseconds)
        self.aggregator = aggregator
    }

    /// Windows holding state, cheaply: tumbling and sliding windows, or keys with open sessions.
    @usableFromInline
    var openWindowEstimate: Int { spec.isSession ? sessions.count : panes.count }

    /// The end of the earliest window still to fire (sessions: when the earliest key is next
    /// due, plus one); nil when none is open.
    @inlinable
    var nextWindowEnd: Int64? {
        if spec.isSession { return sessionsDue.min.map { $0.time + 1 } }
        return panes.first { $0.window.end - 1 > firedUpTo }?.window.end
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
        _ input: Agg.Input, key: Key, hash: UInt64, keyGroup: Int, timestamp: Int64, watermark: Int64, position: Int,
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
            let pane = paneIndex(for: window)
            let aggregator = self.aggregator
            let index = panes[pane].table.findOrAppend(key, hash: hash) {
                Entry(accumulator: aggregator.zero(), keyGroup: keyGroup)
            }.index
            aggregator.add(input, to: &panes[pane].table[valueAt: index].accumulator)
            if window.maxTimestamp <= self.watermark {
                emissions.append(emission(.lateRecord(position: position), window: window, key: key,
                                          entry: panes[pane].table[valueAt: index], order: index))
            }
        }
        return accepted
    }

    /// The index of `window`'s pane, made if missing; panes stay in window order.
    @inlinable
    mutating func paneIndex(for window: Window) -> Int {
        var index = panes.count
        while index > 0 {
            let existing = panes[index - 1].window
            if existing == window { return index - 1 }
            if existing < window { break }
            index -= 1
        }
        panes.insert(Pane(window: window), at: index)
        return index
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
        let due = nextDue(kept)
        let order: Int
        if let index = sessions.index(forKey: key) {
            sessions.values[index].windows = kept
            if due < sessions.values[index].due {
                sessions.values[index].due = due
                sessionsDue.insert(SessionDue(time: due, key: key))
            }
            order = index
        } else {
            order = sessions.updateValue(KeySessions(keyGroup: keyGroup, windows: kept, due: due), forKey: key, insertingAt: sessions.count).index
            sessionsDue.insert(SessionDue(time: due, key: key))
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
        for pane in panes where pane.window.maxTimestamp > previous && pane.window.maxTimestamp <= watermark {
            for order in 0..<pane.table.count {
                emissions.append(emission(.watermark, window: pane.window, key: pane.table.key(at: order),
                                          entry: pane.table[valueAt: order], order: order))
            }
        }
        let (watermark, lateness) = (firedUpTo, allowedLateness)
        panes.removeAll { Self.isExpired($0.window, watermark: watermark, allowedLateness: lateness) }
    }

    /// Visits the keys due by the watermark, in `sessions` order: emits their sessions the
    /// watermark newly reached, drops expired ones, and schedules each key's next visit.
    @inlinable
    mutating func fireSessions(after previous: Int64, into emissions: inout [Emission]) {
        var due: [Int] = []
        while let first = sessionsDue.min, first.time <= firedUpTo {
            let entry = sessionsDue.removeMin()
            if let index = sessions.index(forKey: entry.key), sessions.values[index].due == entry.time {
                sessions.values[index].due = .max
                due.append(index)
            }
        }
        guard !due.isEmpty else { return }
        due.sort()
        var anyExpired = false
        for order in due {
            let key = sessions.keys[order]
            let windows = sessions.values[order].windows
            for session in windows where session.window.maxTimestamp > previous && session.window.maxTimestamp <= firedUpTo {
                emissions.append(Emission(trigger: .watermark, keyGroup: sessions.values[order].keyGroup, order: order,
                                          result: WindowResult(window: session.window, key: key, value: aggregator.finish(session.accumulator))))
            }
            let alive = windows.filter { !isExpired($0.window) }
            if alive.isEmpty {
                sessions.values[order].windows = []
                anyExpired = true
                continue
            }
            if alive.count != windows.count { sessions.values[order].windows = alive }
            let next = nextDue(alive)
            sessions.values[order].due = next
            sessionsDue.insert(SessionDue(time: next, key: key))
        }
        // In one pass: removing keys one by one would shift the rest each time.
        if anyExpired { sessions.removeAll { $0.value.windows.isEmpty } }
    }

    /// When a key's sessions next need the watermark: the earliest end of one not yet fired,
    /// or the earliest expiry of one fired but kept for lateness.
    @inlinable
    func nextDue(_ windows: [Session]) -> Int64 {
        var next = Int64.max
        for session in windows {
            let end = session.window.maxTimestamp
            let time = end > firedUpTo ? end : (end > .max - allowedLateness ? .max : end + allowedLateness)
            next = min(next, time)
        }
        return next
    }

    @inlinable
    func isExpired(_ window: Window) -> Bool {
        Self.isExpired(window, watermark: firedUpTo, allowedLateness: allowedLateness)
    }

    /// Overflow-safe `window.maxTimestamp + allowedLateness <= watermark`.
    @inlinable
    static func isExpired(_ window: Window, watermark: Int64, allowedLateness: Int64) -> Bool {
        window.maxTimestamp <= watermark && watermark - window.maxTimestamp >= allowedLateness
    }

    @inlinable
    func emission(_ trigger: Emission.Trigger, window: Window, key: Key, entry: Entry, order: Int) -> Emission {
        Emission(trigger: trigger, keyGroup: entry.keyGroup, order: order,
                 result: WindowResult(window: window, key: key, value: aggregator.finish(entry.accumulator)))
    }
}
