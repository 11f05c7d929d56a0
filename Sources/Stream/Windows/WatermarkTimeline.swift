/// The watermark after each record of a batch, to find where a window fired: the position
/// after which the watermark first reached the window's last millisecond.
///
/// ```swift
/// let timeline = WatermarkTimeline(firstPosition: 100, watermarks: [5, 9, 9, 20])
/// timeline.firingPosition(of: 9)    // 101
/// timeline.firingPosition(of: 50)   // 104: fired by the end of the batch (or of the input)
/// ```
public struct WatermarkTimeline: Sendable {
    public let firstPosition: Int
    /// The watermark after each record, never decreasing.
    public let watermarks: [Int64]

    @inlinable
    public init(firstPosition: Int, watermarks: [Int64]) {
        self.firstPosition = firstPosition
        self.watermarks = watermarks
    }

    @inlinable
    public func firingPosition(of maxTimestamp: Int64) -> Int {
        var low = 0
        var high = watermarks.count
        while low < high {
            let middle = (low + high) / 2
            if watermarks[middle] >= maxTimestamp { high = middle } else { low = middle + 1 }
        }
        return firstPosition + low
    }
}
