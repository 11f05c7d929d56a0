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
        // Sorts small keys and indices, then moves each emission once: emissions are large and
        // hold references, so moving them in the sort cost more than the comparisons.
        let keys = emissions.map { emission in
            switch emission.trigger {
            case .lateRecord(let position): StreamOrderKey(position: position, phase: 0, of: emission)
            case .watermark: StreamOrderKey(position: firingPosition(emission.result.window.maxTimestamp), phase: 1, of: emission)
            }
        }
        var indices = Array(keys.indices)
        keys.withUnsafeBufferPointer { keys in indices.sort { keys[$0] < keys[$1] } }
        return indices.map { emissions[$0] }
    }
}

/// Where an emission goes in stream order (see ``WindowEmission/streamOrder(_:firingPosition:)``).
@usableFromInline
struct StreamOrderKey: Comparable {
    @usableFromInline let position: Int
    /// Late updates (0) before firings (1) at the same position.
    @usableFromInline let phase: Int
    @usableFromInline let window: Window
    @usableFromInline let keyGroup: Int
    @usableFromInline let order: Int

    @inlinable
    init<Key, Value>(position: Int, phase: Int, of emission: WindowEmission<Key, Value>) {
        self.position = position
        self.phase = phase
        window = emission.result.window
        keyGroup = emission.keyGroup
        order = emission.order
    }

    @inlinable
    static func < (a: StreamOrderKey, b: StreamOrderKey) -> Bool {
        // The window's last millisecond first, the order in which the watermark reaches windows:
        // then it does not matter whether it got past several windows in one step or in several.
        (a.position, a.phase, a.window.maxTimestamp, a.window, a.keyGroup, a.order)
            < (b.position, b.phase, b.window.maxTimestamp, b.window, b.keyGroup, b.order)
    }
}
