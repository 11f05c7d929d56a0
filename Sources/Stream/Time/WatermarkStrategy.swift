/// How a stream's watermark follows its timestamps.
///
/// ```swift
/// .boundedOutOfOrderness(.seconds(5))                          // max timestamp seen − 5 s
/// .boundedOutOfOrderness(.seconds(5)).idle(after: .seconds(30)) // a quiet partition stops holding it back
/// ```
public struct WatermarkStrategy: Sendable, Hashable {
    /// How far behind the largest timestamp seen the watermark stays, in milliseconds.
    public var outOfOrderness: Int64
    /// After this long without records (processing time, in milliseconds), a partition is idle
    /// and no longer holds the job's watermark back; nil means never.
    public var idleTimeout: Int64?

    /// The watermark is the largest timestamp seen minus `delay` (Flink SQL's
    /// `WATERMARK FOR ts AS ts - INTERVAL …`); records up to `delay` out of order are on time.
    public static func boundedOutOfOrderness(_ delay: Duration) -> WatermarkStrategy {
        WatermarkStrategy(outOfOrderness: max(0, delay.milliseconds), idleTimeout: nil)
    }

    /// Timestamps never go backwards: the watermark is the largest timestamp seen.
    public static let ascending = WatermarkStrategy(outOfOrderness: 0, idleTimeout: nil)

    /// The same strategy, with partitions counted idle after `timeout` without records.
    public func idle(after timeout: Duration) -> WatermarkStrategy {
        var copy = self
        copy.idleTimeout = max(0, timeout.milliseconds)
        return copy
    }
}
