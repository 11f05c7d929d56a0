/// The watermark of a stream read from several partitions: each partition's watermark is its
/// largest timestamp minus the allowed disorder; the stream's is the minimum over the partitions
/// that are not idle. Never goes backwards. A value state machine: no clocks, no I/O — callers
/// pass processing time in.
///
/// ```swift
/// var tracker = WatermarkTracker(strategy: .boundedOutOfOrderness(.seconds(2)))
/// tracker.observe(timestamp: 10_000, partition: 0, now: 0)
/// tracker.watermark   // 8000
/// ```
public struct WatermarkTracker: Sendable, Hashable {
    struct Partition: Sendable, Hashable {
        var maxTimestamp = Int64.min
        var lastActivity: Int64
    }

    public let strategy: WatermarkStrategy
    /// By partition number: numbers are small (a source's partitions counted from 0), so a
    /// record's partition is found by index, not hashed.
    private var partitions = PartitionSlots()
    /// The current watermark (`Int64.min` before any record).
    public private(set) var watermark = EventTime.beginning
    /// The lowest watermark over the partitions not idle, as of `lowestAt` (nil: all idle).
    private var lowest: Int64?
    private var lowestAt = Int64.min

    public init(strategy: WatermarkStrategy) {
        self.strategy = strategy
    }

    /// A tracker as it was: each partition's largest timestamp (`Int64.min` for none yet) and the
    /// watermark reached; every partition counts as active from `now`.
    public init(strategy: WatermarkStrategy, restoring maxTimestamps: [Int: Int64], watermark: Int64, now: Int64) {
        self.strategy = strategy
        for (partition, maxTimestamp) in maxTimestamps {
            partitions[partition] = Partition(maxTimestamp: maxTimestamp, lastActivity: now)
        }
        self.watermark = watermark
    }

    /// Each partition as it holds the watermark at processing time `now`: its largest timestamp
    /// (nil: none yet), when it last sent a record (nil: not since it was registered), and
    /// whether it counts as idle.
    public func partitionStates(now: Int64) -> [Int: (maxTimestamp: Int64?, lastRecordAt: Int64?, isIdle: Bool)] {
        partitions.all.mapValues { partition in
            let sent = partition.maxTimestamp != .min
            return (sent ? partition.maxTimestamp : nil, sent ? partition.lastActivity : nil, isIdle(partition, now: now))
        }
    }

    /// The partitions named in `names` (by number) as the console shows them, for source `source`.
    public func progress(source: String, names: [Int: String], now: Int64) -> [PartitionProgress] {
        let states = partitionStates(now: now)
        return names.compactMap { number, name in
            states[number].map { state in
                PartitionProgress(source: source, partition: name, maxTimestamp: state.maxTimestamp, lastRecordAt: state.lastRecordAt,
                                  outOfOrderness: strategy.outOfOrderness, idleTimeout: strategy.idleTimeout, isIdle: state.isIdle)
            }
        }.sorted { ($0.partition.count, $0.partition) < ($1.partition.count, $1.partition) }
    }

    /// Each partition's largest timestamp so far (`Int64.min` for none), to checkpoint.
    public var maxTimestamps: [Int: Int64] { partitions.all.mapValues(\.maxTimestamp) }

    /// Declares a partition before it has records, so it holds the watermark back from the start;
    /// `maxTimestamp` is the largest timestamp it had, when it comes back from a checkpoint.
    public mutating func register(partition: Int, maxTimestamp: Int64 = .min, now: Int64) {
        if partitions[partition] == nil {
            partitions[partition] = Partition(maxTimestamp: maxTimestamp, lastActivity: now)
            lowestAt = .min  // the next record re-evaluates
        }
    }

    /// Forgets a partition (it went to another reader): it no longer holds the watermark back.
    public mutating func remove(partition: Int) {
        partitions[partition] = nil
        lowestAt = .min  // the next record re-evaluates
    }

    /// Takes one record's timestamp into account; returns the new watermark. Partitions are
    /// numbered from 0 (a source's partitions counted): the tracker keeps them in an array.
    @discardableResult
    public mutating func observe(timestamp: Int64, partition: Int, now: Int64) -> Int64 {
        let before = partitions[partition] ?? Partition(lastActivity: now)
        var state = before
        state.lastActivity = now
        if timestamp > state.maxTimestamp { state.maxTimestamp = timestamp }
        partitions[partition] = state
        // The lowest over the partitions not idle can only rise when a partition's watermark
        // rises and it was the lowest, or when time moves on (partitions go idle); a partition
        // coming back from idle can only lower it, which the watermark never follows.
        if now != lowestAt || (state.maxTimestamp != before.maxTimestamp && partitionWatermark(before) <= (lowest ?? .min))
            || isIdle(before, now: now) {
            recompute(now: now)
        }
        return watermark
    }

    /// Re-evaluates idleness at processing time `now`; returns the new watermark.
    @discardableResult
    public mutating func tick(now: Int64) -> Int64 {
        recompute(now: now)
        return watermark
    }

    /// Ends the input: the watermark goes to the end of time and every window fires.
    public mutating func finish() {
        watermark = EventTime.end
    }

    /// The watermark a partition alone would give.
    func partitionWatermark(_ partition: Partition) -> Int64 {
        partition.maxTimestamp == .min ? .min : partition.maxTimestamp - strategy.outOfOrderness
    }

    private mutating func recompute(now: Int64) {
        var lowest: Int64?
        partitions.forEach { partition in
            if isIdle(partition, now: now) { return }
            let candidate = partitionWatermark(partition)
            lowest = min(lowest ?? candidate, candidate)
        }
        self.lowest = lowest
        lowestAt = now
        // All partitions idle: hold the watermark where it is.
        if let lowest, lowest > watermark { watermark = lowest }
    }

    private func isIdle(_ partition: Partition, now: Int64) -> Bool {
        strategy.idleTimeout.map { now - partition.lastActivity >= $0 } ?? false
    }

    /// Equal when the strategy, partitions and watermark are: the cached lowest is not state.
    public static func == (a: WatermarkTracker, b: WatermarkTracker) -> Bool {
        a.strategy == b.strategy && a.partitions == b.partitions && a.watermark == b.watermark
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(strategy)
        hasher.combine(partitions)
        hasher.combine(watermark)
    }
}

/// Partitions by number in an array (numbers are small and dense), as a dictionary would hold them.
struct PartitionSlots: Sendable, Hashable {
    private var slots: [WatermarkTracker.Partition?] = []

    subscript(number: Int) -> WatermarkTracker.Partition? {
        get { number >= 0 && number < slots.count ? slots[number] : nil }
        set {
            precondition(number >= 0, "partition numbers start at 0")
            if number >= slots.count {
                guard newValue != nil else { return }
                slots.append(contentsOf: repeatElement(nil, count: number + 1 - slots.count))
            }
            slots[number] = newValue
            while slots.last == .some(nil) { slots.removeLast() }
        }
    }

    var all: [Int: WatermarkTracker.Partition] {
        var all: [Int: WatermarkTracker.Partition] = [:]
        for (number, slot) in slots.enumerated() { if let slot { all[number] = slot } }
        return all
    }

    func forEach(_ body: (WatermarkTracker.Partition) -> Void) {
        for case let slot? in slots { body(slot) }
    }
}
