/// Event time throughout the engine is milliseconds since the Unix epoch, as `Int64`:
/// timestamps, watermarks and window bounds. `Int64.min` is "before everything" (no watermark
/// yet) and `Int64.max` is "end of time" (the watermark at the end of a bounded input).
public enum EventTime {
    /// The watermark before any record: nothing can fire.
    public static let beginning = Int64.min
    /// The watermark at the end of a bounded input: everything fires.
    public static let end = Int64.max
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
