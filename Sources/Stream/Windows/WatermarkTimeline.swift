/// The watermark after each record of a batch, to find where a window fired: the position
/// after which the watermark first reached the window's last millisecond.
///
/// ```swift
/// let timeline = WatermarkTimeline(firstPosition: 100, watermarks: [5, 9, 9, 20], watermarkBefore: 3)
/// timeline.firingPosition(of: 9)    // 101
/// timeline.firingPosition(of: 50)   // 104: fired by the end of the batch (or of the input)
/// timeline.firingPosition(of: 2)    // 99: the watermark had reached it before the batch
/// ```
public struct WatermarkTimeline: Sendable {
    public let firstPosition: Int
    /// The watermark after each record, never decreasing.
    public let watermarks: [Int64]
    /// The watermark before the first record: what it reached lies after the record before the
    /// batch (a batch may start with a watermark beyond the end of the one before it).
    public let watermarkBefore: Int64

    @inlinable
    public init(firstPosition: Int, watermarks: [Int64], watermarkBefore: Int64 = EventTime.beginning) {
        self.firstPosition = firstPosition
        self.watermarks = watermarks
        self.watermarkBefore = watermarkBefore
    }

    @inlinable
    public func firingPosition(of maxTimestamp: Int64) -> Int {
        if watermarkBefore >= maxTimestamp && !watermarks.isEmpty { return firstPosition - 1 }
        var low = 0
        var high = watermarks.count
        while low < high {
            let middle = (low + high) / 2
            if watermarks[middle] >= maxTimestamp { high = middle } else { low = middle + 1 }
        }
        return firstPosition + low
    }
}

extension WatermarkTimeline {
    /// The timeline of `batch`, whose first record is at `position`: the watermark after each
    /// record is the one before the next, and after the last, the batch's end watermark.
    @inlinable
    public init<Value: Sendable>(of batch: RecordBatch<Value>, at position: Int) {
        var after = Array(batch.watermarks.dropFirst())
        after.append(batch.endWatermark)
        self.init(firstPosition: position, watermarks: after, watermarkBefore: batch.watermarks.first ?? EventTime.beginning)
    }
}
