import Synchronization

/// One input partition's event time as its source last saw it: what holds a watermark back.
///
/// ```swift
/// PartitionProgress(source: "clicks", partition: "clicks[2]", maxTimestamp: nil, lastRecordAt: nil,
///                   outOfOrderness: 2_000, idleTimeout: nil, isIdle: false)   // a partition that never sent
/// ```
public struct PartitionProgress: Codable, Sendable, Equatable {
    /// The source step's id.
    public var source: String
    /// The partition, in the source's notation (`clicks[2]`; the source's id for an unpartitioned one).
    public var partition: String
    /// The largest event time read from it; nil if it has sent nothing.
    public var maxTimestamp: Int64?
    /// When (processing time, ms since the epoch) it last sent a record; nil if never since the start.
    public var lastRecordAt: Int64?
    /// The allowed disorder: its watermark is `maxTimestamp − outOfOrderness`.
    public var outOfOrderness: Int64
    /// After how long without records it stops holding the watermark (nil: never).
    public var idleTimeout: Int64?
    /// Whether it counts as idle now.
    public var isIdle: Bool

    public init(source: String, partition: String, maxTimestamp: Int64?, lastRecordAt: Int64?, outOfOrderness: Int64,
                idleTimeout: Int64?, isIdle: Bool) {
        self.source = source
        self.partition = partition
        self.maxTimestamp = maxTimestamp
        self.lastRecordAt = lastRecordAt
        self.outOfOrderness = outOfOrderness
        self.idleTimeout = idleTimeout
        self.isIdle = isIdle
    }

    /// The watermark this partition alone allows; nil if it has sent nothing.
    public var watermark: Int64? { maxTimestamp.map { $0 - outOfOrderness } }
}

/// Lets a source tell the console of its partitions at most every 200 ms of processing time,
/// however often it reads a batch.
///
/// ```swift
/// if throttle.isDue(at: now) { progress.partitions(of: step, tracker.progress(…)) }
/// ```
public struct ConsoleThrottle: Sendable {
    @usableFromInline var last: Int64?

    public init() {}

    /// Whether 200 ms have passed since the last time this said yes (then it counts from `now`).
    @inlinable
    public mutating func isDue(at now: Int64) -> Bool {
        if let last, now - last < 200 { return false }
        last = now
        return true
    }
}

/// A window step's event time: where its watermark is, what fires next, and how fast it moves.
public struct WindowProgress: Codable, Sendable, Equatable {
    public var step: String
    /// The watermark the step has fired up to; nil before any.
    public var watermark: Int64?
    /// The end of the earliest window still to fire (it fires once the watermark reaches end − 1).
    public var nextWindowEnd: Int64?
    /// The window's length (a session's gap), in milliseconds.
    public var windowLength: Int64
    /// How fast the watermark moved over the last minute: event-time milliseconds per second.
    public var watermarkRate: Double?

    public init(step: String, watermark: Int64?, nextWindowEnd: Int64?, windowLength: Int64, watermarkRate: Double?) {
        self.step = step
        self.watermark = watermark
        self.nextWindowEnd = nextWindowEnd
        self.windowLength = windowLength
        self.watermarkRate = watermarkRate
    }
}

/// The running job's event time, kept up to date by its sources and window steps (once per
/// batch, not per record) and read by the console's API and `stream-job explain`.
@usableFromInline
final class EventTimeBoard: Sendable {
    private struct WindowEntry {
        var progress: WindowProgress
        /// (processing time, watermark) samples at least a second apart, the last minute's.
        var samples: [(at: Int64, watermark: Int64)] = []
    }

    private let partitions = Mutex<[String: [PartitionProgress]]>([:])
    private let windows = Mutex<[String: WindowEntry]>([:])

    /// Replaces what source `source` says of its partitions.
    func update(source: String, _ progress: [PartitionProgress]) {
        partitions.withLock { $0[source] = progress }
    }

    /// Notes window step `step`'s watermark and next firing at processing time `now`.
    @usableFromInline
    func update(window step: String, watermark: Int64, nextWindowEnd: Int64?, windowLength: Int64, now: Int64) {
        windows.withLock { windows in
            var entry = windows[step] ?? WindowEntry(progress: WindowProgress(step: step, watermark: nil, nextWindowEnd: nil,
                                                                                windowLength: windowLength, watermarkRate: nil))
            if watermark > EventTime.beginning {
                entry.progress.watermark = watermark
                if entry.samples.last.map({ now - $0.at >= 1_000 }) ?? true { entry.samples.append((now, watermark)) }
                entry.samples.removeAll { now - $0.at > 60_000 }
                if let first = entry.samples.first, let last = entry.samples.last, last.at > first.at {
                    entry.progress.watermarkRate = Double(last.watermark - first.watermark) / (Double(last.at - first.at) / 1_000)
                }
            }
            entry.progress.nextWindowEnd = nextWindowEnd
            windows[step] = entry
        }
    }

    var sourcePartitions: [PartitionProgress] {
        partitions.withLock { all in all.keys.sorted().flatMap { all[$0]! } }
    }

    var windowSteps: [WindowProgress] {
        windows.withLock { $0.values.map(\.progress).sorted { $0.step < $1.step } }
    }
}
