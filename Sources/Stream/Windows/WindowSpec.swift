/// Which windows a record belongs to: tumbling, sliding or session windows of event time,
/// aligned to the epoch (plus an optional offset), end-exclusive.
///
/// ```swift
/// .tumbling(.seconds(60))                    // [0, 60 s), [60 s, 120 s), …
/// .sliding(.seconds(60), every: .seconds(10)) // each record in 6 windows
/// .session(gap: .minutes(30))                 // per key: records closer than 30 min share a window
/// ```
public enum WindowSpec: Sendable, Hashable, CustomStringConvertible {
    case tumbling(size: Int64, offset: Int64)
    case sliding(size: Int64, slide: Int64, offset: Int64)
    case session(gap: Int64)

    public static func tumbling(_ size: Duration, offset: Duration = .zero) -> WindowSpec {
        .tumbling(size: size.milliseconds, offset: offset.milliseconds)
    }

    public static func sliding(_ size: Duration, every slide: Duration, offset: Duration = .zero) -> WindowSpec {
        .sliding(size: size.milliseconds, slide: slide.milliseconds, offset: offset.milliseconds)
    }

    public static func session(gap: Duration) -> WindowSpec {
        .session(gap: gap.milliseconds)
    }

    /// Why this spec cannot run, or nil.
    public var problem: String? {
        switch self {
        case .tumbling(let size, _) where size <= 0: "a tumbling window needs a size above zero"
        case .sliding(let size, let slide, _) where size <= 0 || slide <= 0:
            "a sliding window needs a size and a slide above zero"
        case .sliding(let size, let slide, _) where size % slide != 0:
            "a sliding window's size (\(size) ms) must be a multiple of its slide (\(slide) ms)"
        case .session(let gap) where gap <= 0: "a session window needs a gap above zero"
        default: nil
        }
    }

    @inlinable
    /// A window's length in milliseconds (a session's gap).
    public var length: Int64 {
        switch self {
        case .tumbling(let size, _), .sliding(let size, _, _): size
        case .session(let gap): gap
        }
    }

    public var isSession: Bool {
        if case .session = self { return true }
        return false
    }

    /// The start of the aligned window of `size` (shifted by `offset`) that holds `timestamp`.
    @inlinable
    static func alignedStart(_ timestamp: Int64, size: Int64, offset: Int64) -> Int64 {
        var remainder = (timestamp - offset) % size
        if remainder < 0 { remainder += size }
        return timestamp - remainder
    }

    /// Calls `body` with each window holding `timestamp`, earliest end first. For sessions,
    /// the record's own window `[t, t + gap)`, which merges with the key's others.
    @inlinable
    public func forEachWindow(of timestamp: Int64, _ body: (Window) -> Void) {
        switch self {
        case .tumbling(let size, let offset):
            let start = Self.alignedStart(timestamp, size: size, offset: offset)
            body(Window(start: start, end: start + size))
        case .sliding(let size, let slide, let offset):
            let last = Self.alignedStart(timestamp, size: slide, offset: offset)
            var start = last - size + slide
            while start <= last {
                if timestamp < start + size { body(Window(start: start, end: start + size)) }
                start += slide
            }
        case .session(let gap):
            body(Window(start: timestamp, end: timestamp + gap))
        }
    }

    public var description: String {
        switch self {
        case .tumbling(let size, let offset): "tumbling(\(size) ms\(offset == 0 ? "" : ", offset \(offset) ms"))"
        case .sliding(let size, let slide, let offset): "sliding(\(size) ms every \(slide) ms\(offset == 0 ? "" : ", offset \(offset) ms"))"
        case .session(let gap): "session(gap \(gap) ms)"
        }
    }
}
