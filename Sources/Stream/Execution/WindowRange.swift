/// The records of one batch that belong to one range of key groups, in columns.
@usableFromInline
struct RangeBatch<Key: Sendable, Value: Sendable>: Sendable {
    @usableFromInline var values: [Value] = []
    @usableFromInline var keys: [Key] = []
    @usableFromInline var hashes: [UInt64] = []
    @usableFromInline var groups: [Int] = []
    @usableFromInline var timestamps: [Int64] = []
    @usableFromInline var watermarks: [Int64] = []
    @usableFromInline var positions: [Int] = []

    @inlinable init() {}

    /// Splits a batch by key group into one part per range; `position` is the stream position
    /// of the batch's first record.
    @inlinable
    static func split(_ batch: RecordBatch<Value>, key: (Value) -> Key, keyGroups: KeyGroups, rangeOfGroup: [Int],
                      ranges: Int, position: Int) -> [RangeBatch] where Key: StableHashable {
        var parts = [RangeBatch](repeating: RangeBatch(), count: ranges)
        for index in parts.indices { parts[index].reserve(batch.count / ranges + 16) }
        for index in 0..<batch.count {
            let value = batch.values[index]
            let key = key(value)
            let hash = key.stableHash
            let group = keyGroups.group(ofHash: hash)
            let range = rangeOfGroup[group]
            parts[range].values.append(value)
            parts[range].keys.append(key)
            parts[range].hashes.append(hash)
            parts[range].groups.append(group)
            parts[range].timestamps.append(batch.timestamps[index])
            parts[range].watermarks.append(batch.watermarks[index])
            parts[range].positions.append(position + index)
        }
        return parts
    }

    @inlinable
    mutating func reserve(_ count: Int) {
        values.reserveCapacity(count)
        keys.reserveCapacity(count)
        hashes.reserveCapacity(count)
        groups.reserveCapacity(count)
        timestamps.reserveCapacity(count)
        watermarks.reserveCapacity(count)
        positions.reserveCapacity(count)
    }
}

/// What one range gives back for a batch.
@usableFromInline
struct RangeOutput<Key: Sendable, Output: Sendable>: Sendable {
    @usableFromInline var emissions: [WindowEmission<Key, Output>] = []
    @usableFromInline var latePositions: [Int] = []
    /// Windows this range holds state for after the batch (sessions: keys with an open session).
    @usableFromInline var openWindows = 0

    @inlinable init() {}
}

/// The windows of one range of key groups, as a long-lived actor on the runtime: one per range,
/// not one per key, called once per batch.
@usableFromInline
struct WindowRange<Key: StableHashable, Agg: Aggregator>: RuntimeActor where Agg.Input: Sendable {
    @usableFromInline struct MissingState: Error {
        @inlinable init() {}
    }

    @usableFromInline var state: KeyedWindowState<Key, Agg>

    @inlinable
    init(restoring snapshot: KeyedWindowState<Key, Agg>?) throws {
        guard let snapshot else { throw MissingState() }
        state = snapshot
    }

    @inlinable
    func snapshot() -> KeyedWindowState<Key, Agg> { state }

    /// Adds the batch's records in order, then fires what the batch's end watermark reached.
    @inlinable
    mutating func process(_ batch: RangeBatch<Key, Agg.Input>, endWatermark: Int64) -> RangeOutput<Key, Agg.Output> {
        var output = RangeOutput<Key, Agg.Output>()
        for index in batch.values.indices {
            let accepted = state.add(batch.values[index], key: batch.keys[index], hash: batch.hashes[index],
                                     keyGroup: batch.groups[index],
                                     timestamp: batch.timestamps[index], watermark: batch.watermarks[index],
                                     position: batch.positions[index], into: &output.emissions)
            if !accepted { output.latePositions.append(batch.positions[index]) }
        }
        state.advance(to: endWatermark, into: &output.emissions)
        output.openWindows = state.openWindowEstimate
        return output
    }
}
