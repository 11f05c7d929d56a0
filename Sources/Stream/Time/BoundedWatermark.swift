/// The watermark of one partition read in order: the largest timestamp minus the allowed disorder.
@usableFromInline
struct BoundedWatermark: Sendable, Codable {
    @usableFromInline let outOfOrderness: Int64
    @usableFromInline var watermark = EventTime.beginning
    @usableFromInline var maxTimestamp = Int64.min

    @inlinable
    init(outOfOrderness: Int64) {
        self.outOfOrderness = outOfOrderness
    }

    @inlinable
    mutating func observe(_ timestamp: Int64) {
        if timestamp > maxTimestamp {
            maxTimestamp = timestamp
            watermark = timestamp - outOfOrderness
        }
    }
}
