/// A window result produced by ``KeyedWindowState``, with what triggered it, so results from
/// several key-group ranges can be put in the one order a single operator would give.
public struct WindowEmission<Key: Sendable, Value: Sendable>: Sendable {
    public enum Trigger: Sendable, Hashable {
        /// The watermark reached the window's last millisecond (a regular firing).
        case watermark
        /// A late record (within the allowed lateness) at this stream position updated an
        /// already fired window; the updated result is emitted at once, as Flink does.
        case lateRecord(position: Int)
    }

    public var trigger: Trigger
    public var keyGroup: Int
    /// The key's insertion order within its window on this range: a tie-breaker that does not
    /// depend on how key groups are split into ranges.
    public var order: Int
    public var result: WindowResult<Key, Value>

    @inlinable
    public init(trigger: Trigger, keyGroup: Int, order: Int, result: WindowResult<Key, Value>) {
        self.trigger = trigger
        self.keyGroup = keyGroup
        self.order = order
        self.result = result
    }
}

extension WindowEmission {
    /// Sorts emissions into the order one operator reading the stream would emit them: by the
    /// stream position that triggered them (a late update at its record; a firing just after
    /// the record whose watermark reached the window), late updates before firings at the same
    /// position, then by the window's last millisecond (the order the watermark reaches them),
    /// the window, key group and insertion order.
    ///
    /// `firingPosition` maps a window's last millisecond to the position after which the
    /// watermark first reached it.
    @inlinable
    public static func streamOrder(
        _ emissions: [WindowEmission], firingPosition: (Int64) -> Int
    ) -> [WindowEmission] {
        let keyed = emissions.map { emission -> (position: Int, phase: Int, emission: WindowEmission) in
            switch emission.trigger {
            case .lateRecord(let position): (position, 0, emission)
            case .watermark: (firingPosition(emission.result.window.maxTimestamp), 1, emission)
            }
        }
        return keyed.sorted { a, b in
            if a.position != b.position { return a.position < b.position }
            if a.phase != b.phase { return a.phase < b.phase }
            let (x, y) = (a.emission, b.emission)
            // The order in which the watermark reaches them first: then it does not matter whether
            // the watermark got past several windows in one step or in several.
            if x.result.window.maxTimestamp != y.result.window.maxTimestamp {
                return x.result.window.maxTimestamp < y.result.window.maxTimestamp
            }
            if x.result.window != y.result.window { return x.result.window < y.result.window }
            if x.keyGroup != y.keyGroup { return x.keyGroup < y.keyGroup }
            return x.order < y.order
        }.map(\.emission)
    }
}
