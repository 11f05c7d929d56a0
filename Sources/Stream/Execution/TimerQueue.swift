public import HeapModule

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
/// groups are split among ranges. Each domain is a binary heap (setting and firing a timer cost
/// O(log n) however many are set); a deleted timer stays in its heap until it comes up, and is
/// then passed over, as the set of live timers no longer holds it.
public struct TimerQueue<Key: StableHashable & Codable>: Sendable, Codable {
    /// The live timers.
    @usableFromInline var timers: Set<KeyedTimer<Key>> = []
    @usableFromInline var eventTime = Heap<Ordered>()
    @usableFromInline var processingTime = Heap<Ordered>()

    /// A timer in firing order: time, then key group, then key hash.
    @usableFromInline
    struct Ordered: Comparable, Sendable {
        @usableFromInline let timer: KeyedTimer<Key>
        @usableFromInline let hash: UInt64

        @inlinable
        init(_ timer: KeyedTimer<Key>) {
            self.timer = timer
            hash = timer.key.stableHash
        }

        @inlinable
        static func < (a: Ordered, b: Ordered) -> Bool {
            if a.timer.time != b.timer.time { return a.timer.time < b.timer.time }
            if a.timer.keyGroup != b.timer.keyGroup { return a.timer.keyGroup < b.timer.keyGroup }
            return a.hash < b.hash
        }

        @inlinable
        static func == (a: Ordered, b: Ordered) -> Bool { a.timer == b.timer }
    }

    @inlinable init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        for timer in try [KeyedTimer<Key>](from: decoder) { insert(timer) }
    }

    /// The live timers in no particular order: a restore inserts them into heaps again, so
    /// their order here does not matter, and sorting them cost more than the rest of a large
    /// checkpoint (the sort runs unspecialized, on every checkpoint).
    public func encode(to encoder: any Encoder) throws {
        try Array(timers).encode(to: encoder)
    }

    /// The live timers, earliest first (event time, then processing time).
    public var sorted: [KeyedTimer<Key>] {
        let all = timers.map(Ordered.init).sorted()
        return all.filter { $0.timer.domain == .eventTime }.map(\.timer) + all.filter { $0.timer.domain == .processingTime }.map(\.timer)
    }

    @inlinable
    mutating func insert(_ timer: KeyedTimer<Key>) {
        guard timers.insert(timer).inserted else { return }
        switch timer.domain {
        case .eventTime: eventTime.insert(Ordered(timer))
        case .processingTime: processingTime.insert(Ordered(timer))
        }
    }

    @inlinable
    mutating func remove(_ timer: KeyedTimer<Key>) {
        timers.remove(timer)
    }

    /// Removes and returns the earliest live timer of `domain` due at `time`, if any.
    @inlinable
    mutating func popDue(_ domain: KeyedTimer<Key>.Domain, at time: Int64) -> KeyedTimer<Key>? {
        switch domain {
        case .eventTime: Self.popDue(from: &eventTime, live: &timers, at: time)
        case .processingTime: Self.popDue(from: &processingTime, live: &timers, at: time)
        }
    }

    @inlinable
    static func popDue(from heap: inout Heap<Ordered>, live: inout Set<KeyedTimer<Key>>, at time: Int64) -> KeyedTimer<Key>? {
        while let first = heap.min, first.timer.time <= time {
            heap.removeMin()
            // Passed over if deleted; removed from the live set as it fires (a copy left by a
            // delete and a later set of the same timer then finds it gone, and is passed over too).
            if live.remove(first.timer) != nil { return first.timer }
        }
        return nil
    }

    /// The timers whose key groups fall in `range`.
    func restricted(to range: Range<Int>) -> TimerQueue {
        var part = TimerQueue()
        for timer in timers where range.contains(timer.keyGroup) { part.insert(timer) }
        return part
    }

    /// How many timers are set.
    @inlinable var count: Int { timers.count }
}
