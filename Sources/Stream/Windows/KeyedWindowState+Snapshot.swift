/// The checkpointed form of a ``KeyedWindowState``: the watermark it fired up to and each open
/// window's keys with their accumulators, in insertion order. The configuration (spec,
/// lateness, aggregator) is not in it: it comes from the job on restore, so restoring is the
/// same initializer with a snapshot.
public struct WindowStateSnapshot<Key: Codable & Sendable, Accumulator: Codable & Sendable>: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var key: Key
        public var keyGroup: Int
        public var accumulator: Accumulator
    }

    public struct Pane: Codable, Sendable {
        public var window: Window
        public var entries: [Entry]
    }

    public struct KeySessions: Codable, Sendable {
        public var key: Key
        public var keyGroup: Int
        public var sessions: [Session]
    }

    public struct Session: Codable, Sendable {
        public var window: Window
        public var accumulator: Accumulator
    }

    public var watermark: Int64
    public var panes: [Pane]
    public var sessions: [KeySessions]

    /// Re-splits the snapshots of some ranges into snapshots for `ranges` (by key group), for a
    /// job restored with another parallelism. Each key group keeps its keys' order.
    ///
    /// ```swift
    /// let three = WindowStateSnapshot.redistribute([a, b], into: KeyGroups().ranges(parallelism: 3))
    /// ```
    public static func redistribute(_ snapshots: [WindowStateSnapshot], into ranges: [Range<Int>]) -> [WindowStateSnapshot] {
        let watermark = snapshots.map(\.watermark).max() ?? EventTime.beginning
        let windows = Set(snapshots.flatMap { $0.panes.map(\.window) }).sorted()
        return ranges.map { range in
            let panes = windows.compactMap { window -> Pane? in
                let entries = snapshots.flatMap { snapshot in
                    snapshot.panes.filter { $0.window == window }.flatMap(\.entries).filter { range.contains($0.keyGroup) }
                }
                return entries.isEmpty ? nil : Pane(window: window, entries: entries)
            }
            let sessions = snapshots.flatMap(\.sessions).filter { range.contains($0.keyGroup) }
            return WindowStateSnapshot(watermark: watermark, panes: panes, sessions: sessions)
        }
    }
}

extension KeyedWindowState {
    /// The state as a snapshot, for a checkpoint.
    public func snapshot() -> WindowStateSnapshot<Key, Agg.Accumulator> {
        WindowStateSnapshot(
            watermark: firedUpTo,
            panes: panes.map { pane in
                .init(window: pane.window, entries: (0..<pane.table.count).map { index in
                    .init(key: pane.table.key(at: index), keyGroup: pane.table[valueAt: index].keyGroup,
                          accumulator: pane.table[valueAt: index].accumulator)
                })
            },
            sessions: sessions.elements.map { element in
                .init(key: element.key, keyGroup: element.value.keyGroup,
                      sessions: element.value.windows.map { .init(window: $0.window, accumulator: $0.accumulator) })
            })
    }

    /// The state of `snapshot` under this job's configuration: the same initializer as a fresh
    /// state, with a snapshot.
    public init(spec: WindowSpec, allowedLateness: Duration = .zero, aggregator: Agg,
                restoring snapshot: WindowStateSnapshot<Key, Agg.Accumulator>) {
        self.init(spec: spec, allowedLateness: allowedLateness, aggregator: aggregator)
        firedUpTo = snapshot.watermark
        panes = snapshot.panes.map { saved in
            var pane = Pane(window: saved.window)
            for entry in saved.entries {
                let index = pane.table.findOrAppend(entry.key, hash: entry.key.stableHash) {
                    Entry(accumulator: entry.accumulator, keyGroup: entry.keyGroup)
                }.index
                pane.table[valueAt: index] = Entry(accumulator: entry.accumulator, keyGroup: entry.keyGroup)
            }
            return pane
        }.sorted { $0.window < $1.window }
        for saved in snapshot.sessions {
            let windows = saved.sessions.map { Session(window: $0.window, accumulator: $0.accumulator) }
            let due = nextDue(windows)
            sessions[saved.key] = KeySessions(keyGroup: saved.keyGroup, windows: windows, due: due)
            sessionsDue.insert(SessionDue(time: due, key: saved.key))
        }
    }
}

extension KeyedWindowState {
    /// The states of all ranges as one snapshot covering every key group, encoded.
    ///
    /// ```swift
    /// let bytes = try KeyedWindowState.encodeMerged(rangeStates, step: "per-minute")
    /// ```
    public static func encodeMerged(_ states: [KeyedWindowState], step: String) throws -> [UInt8] {
        let merged = WindowStateSnapshot.redistribute(states.map { $0.snapshot() }, into: [0..<Int.max])
        return try StateCodec.encode(merged[0], step: step)
    }

    /// An encoded snapshot split into one state per range of `ranges`, with this state's
    /// configuration (spec, lateness, aggregator).
    ///
    /// ```swift
    /// let states = try fresh.decodeSplit(bytes, ranges: keyGroups.ranges(parallelism: 2), step: "per-minute")
    /// ```
    public func decodeSplit(_ bytes: [UInt8], ranges: [Range<Int>], step: String) throws -> [KeyedWindowState] {
        let snapshot = try StateCodec.decode(WindowStateSnapshot<Key, Agg.Accumulator>.self, from: bytes, step: step)
        return WindowStateSnapshot.redistribute([snapshot], into: ranges).map {
            KeyedWindowState(spec: spec, allowedLateness: .milliseconds(allowedLateness), aggregator: aggregator, restoring: $0)
        }
    }
}
