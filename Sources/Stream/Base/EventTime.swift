/// Event time throughout the engine is milliseconds since the Unix epoch, as `Int64`:
/// timestamps, watermarks and window bounds. `Int64.min` is "before everything" (no watermark
/// yet) and `Int64.max` is "end of time" (the watermark at the end of a bounded input).
public enum EventTime {
    /// The watermark before any record: nothing can fire.
    public static let beginning = Int64.min
    /// The watermark at the end of a bounded input: everything fires.
    public static let end = Int64.max
}

/// A clock that can say what time it is as milliseconds since the Unix epoch: what
/// processing-time steps read. `ContinuousClock` runs use the system's wall clock instead.
public protocol EpochMillisecondsClock: Sendable {
    var epochMilliseconds: Int64 { get }
}

extension Duration {
    /// The duration in whole milliseconds (rounded toward zero).
    ///
    /// ```swift
    /// Duration.seconds(2).milliseconds   // 2000
    /// ```
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
