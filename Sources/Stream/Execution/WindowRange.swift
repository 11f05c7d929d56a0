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
    /// of the batch's first record. Keys, hashes and ranges are worked out in one pass, then
    /// each range's columns are gathered in one tight pass each (appending to seven columns of
    /// a part inside an array, record by record, cost more than the hashing). With one range,
    /// the batch's own columns are reused.
    @inlinable
    static func split(_ batch: RecordBatch<Value>, key: (Value) -> Key, keyGroups: KeyGroups, rangeOfGroup: [Int],
                      ranges: Int, position: Int) -> [RangeBatch] where Key: StableHashable {
        let count = batch.count
        var keys: [Key] = []
        keys.reserveCapacity(count)
        var hashes = [UInt64](repeating: 0, count: count)
        var groups = [Int](repeating: 0, count: count)
        var rangeOfRecord = [Int32](repeating: 0, count: ranges > 1 ? count : 0)
        var sizes = [Int](repeating: 0, count: ranges)
        batch.values.withUnsafeBufferPointer { values in
            for index in 0..<count {
                let recordKey = key(values[index])
                let hash = recordKey.stableHash
                let group = keyGroups.group(ofHash: hash)
                keys.append(recordKey)
                hashes[index] = hash
                groups[index] = group
                if ranges > 1 {
                    let range = rangeOfGroup[group]
                    rangeOfRecord[index] = Int32(truncatingIfNeeded: range)
                    sizes[range] += 1
                }
            }
        }
        if ranges == 1 {
            var part = RangeBatch()
            part.values = batch.values
            part.keys = keys
            part.hashes = hashes
            part.groups = groups
            part.timestamps = batch.timestamps
            part.watermarks = batch.watermarks
            part.positions = Array(position..<(position + count))
            return [part]
        }
        var members = sizes.map { size -> [Int] in
            var indices: [Int] = []
            indices.reserveCapacity(size)
            return indices
        }
        for index in 0..<count { members[Int(rangeOfRecord[index])].append(index) }
        return members.map { indices in
            var part = RangeBatch()
            batch.values.withUnsafeBufferPointer { values in part.values = indices.map { values[$0] } }
            keys.withUnsafeBufferPointer { keys in part.keys = indices.map { keys[$0] } }
            part.hashes = indices.map { hashes[$0] }
            part.groups = indices.map { groups[$0] }
            part.timestamps = indices.map { batch.timestamps[$0] }
            part.watermarks = indices.map { batch.watermarks[$0] }
            part.positions = indices.map { position + $0 }
            return part
        }
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
