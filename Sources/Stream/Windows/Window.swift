/// A window of event time, `[start, end)` in milliseconds.
///
/// ```swift
/// let window = Window(start: 60_000, end: 120_000)
/// window.maxTimestamp   // 119999: the window fires when the watermark reaches it
/// ```
public struct Window: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var start: Int64
    public var end: Int64

    @inlinable
    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    /// The last millisecond in the window.
    @inlinable public var maxTimestamp: Int64 { end - 1 }

    public func contains(_ timestamp: Int64) -> Bool { timestamp >= start && timestamp < end }

    /// Windows in the order they fire: by end, then by start.
    @inlinable
    public static func < (lhs: Window, rhs: Window) -> Bool {
        (lhs.end, lhs.start) < (rhs.end, rhs.start)
    }

    public var description: String { "[\(start), \(end))" }
}
