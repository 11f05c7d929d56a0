import Foundation

/// Why a window step's windows have not fired, in plain words: which source partition holds its
/// watermark, since when, whether idleness would release it, when the earliest open window will
/// fire at the current rate, and the common misconfigurations (a silent partition without
/// idleness, event time in seconds, a watermark delay longer than the window) with the setting
/// to change. What `stream-job explain` prints and the console shows.
///
/// ```swift
/// WatermarkExplanation.explain(window, partitions: progress.sourcePartitions, now: now)
/// // ["The watermark is held by clicks[2] of source 'clicks', which has sent nothing since the job started. …"]
/// ```
public enum WatermarkExplanation {
    public static func explain(_ window: WindowProgress, partitions: [PartitionProgress], now: Int64) -> [String] {
        var sentences: [String] = []
        let holding = partitions.filter { !$0.isIdle }
        // The partition the watermark waits for: one that sent nothing, else the lowest.
        let holder = holding.first { $0.maxTimestamp == nil } ?? holding.min { ($0.watermark ?? .min) < ($1.watermark ?? .min) }
        if let holder {
            sentences.append(holderSentence(holder, now: now))
            if let idleness = idlenessSentence(holder, now: now) { sentences.append(idleness) }
        } else if !partitions.isEmpty {
            sentences.append("Every input partition is idle, so the watermark stays where it is until one sends again.")
        }
        for partition in partitions {
            if let latest = partition.maxTimestamp, latest >= 1_000_000_000, latest < 100_000_000_000, now > 1_000_000_000_000 {
                sentences.append("The event times of \(name(partition)) look like seconds, not milliseconds (\(latest) is \(duration(latest)) after 1970 "
                    + "read as milliseconds): make the timestamp function return milliseconds (multiply by 1000), or every window is 1000 times too short and the watermark is decades behind.")
                break
            }
        }
        if let widest = partitions.map(\.outOfOrderness).max(), widest > window.windowLength {
            sentences.append("The allowed disorder (\(duration(widest))) is longer than the window (\(duration(window.windowLength))): each window fires "
                + "only \(duration(widest)) of event time after it ends. Lower the watermark delay (the source's or eventTime's boundedOutOfOrderness; "
                + "the delay setting of a built-in pipeline) or use longer windows.")
        }
        if let watermark = window.watermark, now - watermark > max(60_000, 10 * window.windowLength), watermark > 100_000_000_000 {
            sentences.append("The watermark is \(duration(now - watermark)) behind processing time: the input is far behind (catching up, or old data).")
        }
        sentences.append(firingSentence(window))
        return sentences
    }

    static func name(_ partition: PartitionProgress) -> String {
        partition.partition == partition.source ? "source '\(partition.source)'" : "\(partition.partition) of source '\(partition.source)'"
    }

    static func holderSentence(_ partition: PartitionProgress, now: Int64) -> String {
        guard let latest = partition.maxTimestamp, let watermark = partition.watermark else {
            return "The watermark is held by \(name(partition)), which has sent nothing since the job started."
        }
        let silence = partition.lastRecordAt.map { now - $0 } ?? 0
        let last = silence >= 5_000 ? ", and it last sent a record \(duration(silence)) ago" : ""
        return "The watermark is held at \(watermark) by \(name(partition)): its latest event time is \(latest)\(last)."
    }

    static func idlenessSentence(_ partition: PartitionProgress, now: Int64) -> String? {
        let silence = partition.lastRecordAt.map { now - $0 }
        guard partition.maxTimestamp == nil || (silence ?? 0) >= 5_000 else { return nil }
        guard let timeout = partition.idleTimeout else {
            return "No idleness is set, so a silent partition holds the windows for ever: give the watermark strategy "
                + ".idle(after:) (for example .boundedOutOfOrderness(.seconds(2)).idle(after: .seconds(30))) so it is left out while it sends nothing."
        }
        let left = timeout - (silence ?? 0)
        return left > 0
            ? "Idleness is set to \(duration(timeout)): it will be left out in about \(duration(left)) if it stays silent."
            : "Idleness is set to \(duration(timeout)) and will leave it out at the next batch."
    }

    static func firingSentence(_ window: WindowProgress) -> String {
        guard let end = window.nextWindowEnd else {
            return "Step '\(window.step)' has no open window: nothing waits to fire."
        }
        guard let watermark = window.watermark else {
            return "The earliest open window of step '\(window.step)' ends at \(end); it fires once the watermark reaches \(end - 1), and there is no watermark yet."
        }
        let gap = end - 1 - watermark
        guard gap > 0 else { return "The earliest open window of step '\(window.step)' (ending at \(end)) fires with the next batch." }
        if let rate = window.watermarkRate, rate > 0 {
            return "The earliest open window of step '\(window.step)' ends at \(end), \(duration(gap)) of event time ahead of the watermark: "
                + "at the current rate (\(duration(Int64(rate))) of event time a second) it fires in about \(duration(Int64(Double(gap) / rate * 1_000)))."
        }
        return "The earliest open window of step '\(window.step)' ends at \(end), \(duration(gap)) of event time ahead of the watermark, "
            + "which has not moved in the last minute: it fires only when the watermark moves."
    }

    /// `ms` milliseconds in words: 850 ms, 4.2 s, 3 min, 2.5 h, 12 days.
    static func duration(_ ms: Int64) -> String {
        let value = Double(ms)
        switch abs(ms) {
        case ..<1_000: return "\(ms) ms"
        case ..<60_000: return String(format: "%.1f s", value / 1_000)
        case ..<3_600_000: return String(format: "%.1f min", value / 60_000)
        case ..<172_800_000: return String(format: "%.1f h", value / 3_600_000)
        default: return String(format: "%.0f days", value / 86_400_000)
        }
    }
}
