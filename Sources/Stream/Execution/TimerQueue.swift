/// A timer set by a stateful operator: fire for `key` once time reaches `time`.
public struct KeyedTimer<Key: StableHashable & Codable>: Sendable, Codable, Hashable {
    public enum Domain: String, Sendable, Codable {
        /// Fires when the watermark reaches the time.
        case eventTime
        /// Fires when the job's clock reaches the time.
        case processingTime
    }

    public var key: Key
    public var time: Int64
    public var domain: Domain
    public var keyGroup: Int

    @inlinable
    public init(key: Key, time: Int64, domain: Domain, keyGroup: Int) {
        self.key = key
        self.time = time
        self.domain = domain
        self.keyGroup = keyGroup
    }
}

/// The timers of one range of key groups, each at most once per key, time and domain,
/// earliest first. Checkpointed with the operator's state.
/// Ties fire in key-group then key-hash order, so the order does not depend on how key
/// groups are split among ranges.
public struct TimerQueue<Key: StableHashable & Codable>: Sendable, Codable {
    @usableFromInline var timers: Set<KeyedTimer<Key>> = []
    /// The earliest timer of each domain, kept sorted (timers are few next to records).
    @usableFromInline var eventTime: [KeyedTimer<Key>] = []
    @usableFromInline var processingTime: [KeyedTimer<Key>] = []

    @inlinable init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        for timer in try [KeyedTimer<Key>](from: decoder) { insert(timer) }
    }

    public func encode(to encoder: any Encoder) throws {
        try (eventTime + processingTime).encode(to: encoder)
    }

    @inlinable
    static func comesBefore(_ a: KeyedTimer<Key>, _ b: KeyedTimer<Key>) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.keyGroup != b.keyGroup { return a.keyGroup < b.keyGroup }
        return a.key.stableHash < b.key.stableHash
    }

    @inlinable
    mutating func insert(_ timer: KeyedTimer<Key>) {
        guard timers.insert(timer).inserted else { return }
        switch timer.domain {
        case .eventTime: Self.insertSorted(timer, into: &eventTime)
        case .processingTime: Self.insertSorted(timer, into: &processingTime)
        }
    }

    @inlinable
    mutating func remove(_ timer: KeyedTimer<Key>) {
        guard timers.remove(timer) != nil else { return }
        switch timer.domain {
        case .eventTime: eventTime.removeAll { $0 == timer }
        case .processingTime: processingTime.removeAll { $0 == timer }
        }
    }

    /// Removes and returns the earliest timer of `domain` due at `time`, if any.
    @inlinable
    mutating func popDue(_ domain: KeyedTimer<Key>.Domain, at time: Int64) -> KeyedTimer<Key>? {
        switch domain {
        case .eventTime:
            guard let first = eventTime.first, first.time <= time else { return nil }
            eventTime.removeFirst()
            timers.remove(first)
            return first
        case .processingTime:
            guard let first = processingTime.first, first.time <= time else { return nil }
            processingTime.removeFirst()
            timers.remove(first)
            return first
        }
    }

    @inlinable
    static func insertSorted(_ timer: KeyedTimer<Key>, into list: inout [KeyedTimer<Key>]) {
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if comesBefore(list[middle], timer) { low = middle + 1 } else { high = middle }
        }
        list.insert(timer, at: low)
    }

    /// The timers whose key groups fall in `range`.
    func restricted(to range: Range<Int>) -> TimerQueue {
        var part = TimerQueue()
        for timer in timers where range.contains(timer.keyGroup) { part.insert(timer) }
        return part
    }

    var count: Int { timers.count }
}
