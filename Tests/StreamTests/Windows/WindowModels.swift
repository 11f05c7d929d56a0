import Foundation
import OrderedCollections
@testable import Stream

/// One generated record.
struct Event: Sendable, Hashable, Codable, CustomStringConvertible {
    var timestamp: Int64
    var key: Int
    var value: Int
    var description: String { "(\(timestamp),k\(key),\(value))" }
}

/// What a window run produced: results in emission order, and the positions of late records.
struct WindowRun: Equatable, Sendable, CustomStringConvertible {
    struct Row: Hashable, Sendable, CustomStringConvertible {
        var window: Window
        var key: Int
        var count: Int
        var sum: Int
        var description: String { "\(window) k\(key) count \(count) sum \(sum)" }
    }
    var rows: [Row] = []
    var late: [Int] = []
    var description: String { "rows \(rows)\nlate \(late)" }
}

let testKeyGroups = KeyGroups(count: 128)

/// The engine's way: watermarks from a `WatermarkTracker`, records routed by key group to
/// several `KeyedWindowState`s, batches of arbitrary size, emissions put in stream order.
enum EngineModel {
    /// `rescales` lists (stream position, new parallelism): at the first batch boundary at or
    /// after each position, every range is snapshotted (through JSON), the snapshots are
    /// redistributed over the new number of ranges, and the run continues from them.
    static func run(_ events: [Event], delay: Int64, spec: WindowSpec, lateness: Int64,
                    batchSizes: [Int], ranges parallelism: Int, rescales: [(at: Int, parallelism: Int)] = []) -> WindowRun {
        let aggregator = Both(Count<Event>(), Sum<Event, Int> { $0.value })
        var ranges = testKeyGroups.ranges(parallelism: parallelism)
        var states = ranges.map { _ in
            KeyedWindowState<Int, Both<Count<Event>, Sum<Event, Int>>>(
                spec: spec, allowedLateness: .milliseconds(lateness), aggregator: aggregator)
        }
        var pendingRescales = rescales
        var tracker = WatermarkTracker(strategy: .boundedOutOfOrderness(.milliseconds(delay)))
        var run = WindowRun()
        var position = 0
        var sizes = batchSizes.isEmpty ? [max(1, events.count)] : batchSizes
        func collect(_ emissions: [WindowEmission<Int, (Int, Int)>], _ timeline: WatermarkTimeline) {
            for emission in WindowEmission.streamOrder(emissions, firingPosition: timeline.firingPosition) {
                run.rows.append(.init(window: emission.result.window, key: emission.result.key,
                                      count: emission.result.value.0, sum: emission.result.value.1))
            }
        }
        while position < events.count {
            if let rescale = pendingRescales.first, position >= rescale.at {
                pendingRescales.removeFirst()
                let saved = states.map { state in
                    try! JSONDecoder().decode(WindowStateSnapshot<Int, Pair<Int, Int>>.self, from: JSONEncoder().encode(state.snapshot()))
                }
                ranges = testKeyGroups.ranges(parallelism: rescale.parallelism)
                states = WindowStateSnapshot.redistribute(saved, into: ranges).map {
                    KeyedWindowState(spec: spec, allowedLateness: .milliseconds(lateness), aggregator: aggregator, restoring: $0)
                }
            }
            let size = max(1, sizes.removeFirst())
            sizes.append(size)
            let batch = events[position..<min(events.count, position + size)]
            var emissions: [WindowEmission<Int, (Int, Int)>] = []
            var after: [Int64] = []
            for (offset, event) in batch.enumerated() {
                let before = tracker.watermark
                let group = testKeyGroups.group(of: event.key)
                let range = ranges.firstIndex { $0.contains(group) }!
                let accepted = states[range].add(event, key: event.key, hash: event.key.stableHash, keyGroup: group, timestamp: event.timestamp,
                                                 watermark: before, position: position + offset, into: &emissions)
                if !accepted { run.late.append(position + offset) }
                after.append(tracker.observe(timestamp: event.timestamp, partition: 0, now: 0))
            }
            for index in states.indices { states[index].advance(to: tracker.watermark, into: &emissions) }
            collect(emissions, WatermarkTimeline(firstPosition: position, watermarks: after))
            position += batch.count
        }
        var emissions: [WindowEmission<Int, (Int, Int)>] = []
        for index in states.indices { states[index].advance(to: EventTime.end, into: &emissions) }
        collect(emissions, WatermarkTimeline(firstPosition: events.count, watermarks: []))
        return run
    }
}

/// The same semantics written the plain way: one record at a time, raw records kept per
/// window (sessions recomputed from the records each time), no pre-aggregation, no ranges.
enum NaiveModel {
    static func run(_ events: [Event], delay: Int64, spec: WindowSpec, lateness: Int64) -> WindowRun {
        run(events, watermarks: watermarksBefore(events, delay: delay), spec: spec, lateness: lateness)
    }

    /// The watermark before each record of a stream read in order, with bounded disorder `delay`.
    static func watermarksBefore(_ events: [Event], delay: Int64) -> [Int64] {
        var maxTimestamp = Int64.min
        return events.map { event in
            defer { maxTimestamp = max(maxTimestamp, event.timestamp) }
            return maxTimestamp == .min ? .min : maxTimestamp - delay
        }
    }

    /// Windows over records that each come with the watermark before them (never decreasing);
    /// after the last, the end of input fires everything.
    static func run(_ events: [Event], watermarks before: [Int64], spec: WindowSpec, lateness: Int64) -> WindowRun {
        if case .session(let gap) = spec { return sessions(events, watermarks: before, gap: gap, lateness: lateness) }
        var run = WindowRun()
        var contents: [Window: OrderedDictionary<Int, [Int]>] = [:]
        var watermark = Int64.min
        func emit(_ window: Window, key: Int) {
            let values = contents[window]![key]!
            run.rows.append(.init(window: window, key: key, count: values.count, sum: values.reduce(0, +)))
        }
        func fire(from old: Int64, to new: Int64) {
            for window in contents.keys.filter({ $0.maxTimestamp > old && $0.maxTimestamp <= new }).sorted() {
                for key in orderedKeys(contents[window]!) { emit(window, key: key) }
            }
            contents = contents.filter { !(($0.key.maxTimestamp + lateness) <= new) }
        }
        for (position, event) in events.enumerated() {
            fire(from: watermark, to: max(watermark, before[position]))
            watermark = max(watermark, before[position])
            var windows: [Window] = []
            spec.forEachWindow(of: event.timestamp) { windows.append($0) }
            let live = windows.filter { $0.maxTimestamp + lateness > watermark }
            if live.isEmpty { run.late.append(position) }
            for window in live {
                contents[window, default: [:]][event.key, default: []].append(event.value)
                if window.maxTimestamp <= watermark { emit(window, key: event.key) }
            }
        }
        fire(from: watermark, to: .max - lateness - 1)
        return run
    }

    /// Keys of one window: by key group, then by first arrival in the window.
    static func orderedKeys(_ window: OrderedDictionary<Int, [Int]>) -> [Int] {
        window.keys.enumerated().sorted {
            (testKeyGroups.group(of: $0.element), $0.offset) < (testKeyGroups.group(of: $1.element), $1.offset)
        }.map(\.element)
    }

    static func sessions(_ events: [Event], watermarks before: [Int64], gap: Int64, lateness: Int64) -> WindowRun {
        var run = WindowRun()
        var records: OrderedDictionary<Int, [(timestamp: Int64, value: Int)]> = [:]
        var watermark = Int64.min
        func sessionsOf(_ list: [(timestamp: Int64, value: Int)]) -> [(window: Window, values: [Int])] {
            var out: [(window: Window, values: [Int])] = []
            for record in list.sorted(by: { $0.timestamp < $1.timestamp }) {
                let window = Window(start: record.timestamp, end: record.timestamp + gap)
                if let last = out.last, window.start <= last.window.end {
                    out[out.count - 1].window.end = max(last.window.end, window.end)
                    out[out.count - 1].values.append(record.value)
                } else {
                    out.append((window, [record.value]))
                }
            }
            return out
        }
        func row(_ session: (window: Window, values: [Int]), key: Int) -> WindowRun.Row {
            .init(window: session.window, key: key, count: session.values.count, sum: session.values.reduce(0, +))
        }
        func fire(from old: Int64, to new: Int64) {
            var due: [(window: Window, group: Int, order: Int, row: WindowRun.Row)] = []
            for (order, element) in records.elements.enumerated() {
                for session in sessionsOf(element.value) where session.window.maxTimestamp > old && session.window.maxTimestamp <= new {
                    due.append((session.window, testKeyGroups.group(of: element.key), order, row(session, key: element.key)))
                }
            }
            run.rows += due.sorted { a, b in
                if a.window.maxTimestamp != b.window.maxTimestamp { return a.window.maxTimestamp < b.window.maxTimestamp }
                if a.window != b.window { return a.window < b.window }
                return (a.group, a.order) < (b.group, b.order)
            }.map(\.row)
            for key in Array(records.keys) {
                let alive = sessionsOf(records[key]!).filter { $0.window.maxTimestamp + lateness > new }
                let keep = records[key]!.filter { record in alive.contains { $0.window.contains(record.timestamp) } }
                if keep.isEmpty { records.removeValue(forKey: key) } else { records[key] = keep }
            }
        }
        for (position, event) in events.enumerated() {
            fire(from: watermark, to: max(watermark, before[position]))
            watermark = max(watermark, before[position])
            let candidate = (records[event.key] ?? []) + [(event.timestamp, event.value)]
            let session = sessionsOf(candidate).first { $0.window.contains(event.timestamp) }!
            if session.window.maxTimestamp + lateness <= watermark {
                run.late.append(position)
            } else {
                records[event.key] = candidate
                if session.window.maxTimestamp <= watermark { run.rows.append(row(session, key: event.key)) }
            }
        }
        fire(from: watermark, to: .max - lateness - 1)
        return run
    }
}
