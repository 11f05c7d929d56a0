/// One range's share of a batch: the whole batch and the columns worked out for it (each
/// record's key, hash and key group), shared by every range without copying, and the indices
/// of the records whose key group this range holds, in order.
///
/// The driver splits each batch of a keyed step, serially: it used to copy each range's values,
/// keys, times and positions into columns of their own, record by record, which cost more than
/// hashing the keys. Now it computes the shared columns in one pass and each range's indices.
@usableFromInline
struct RangeBatch<Key: Sendable, Value: Sendable>: Sendable {
    /// The batch as the step received it (values, timestamps, watermarks).
    @usableFromInline var records: RecordBatch<Value>
    /// Each record's key, its stable hash and its key group, aligned with `records`.
    @usableFromInline var keys: [Key]
    @usableFromInline var hashes: [UInt64]
    @usableFromInline var groups: [Int]
    /// The indices in `records` of this range's records, in stream order.
    @usableFromInline var members: [Int]
    /// The stream position of `records`' first record.
    @usableFromInline var firstPosition: Int

    /// No records.
    @inlinable init() {
        self.init(records: RecordBatch(values: []), keys: [], hashes: [], groups: [], members: [], firstPosition: 0)
    }

    @inlinable
    init(records: RecordBatch<Value>, keys: [Key], hashes: [UInt64], groups: [Int], members: [Int], firstPosition: Int) {
        self.records = records
        self.keys = keys
        self.hashes = hashes
        self.groups = groups
        self.members = members
        self.firstPosition = firstPosition
    }

    /// Splits a batch by key group into one part per range; `position` is the stream position
    /// of the batch's first record.
    @inlinable
    static func split(_ batch: RecordBatch<Value>, key: (Value) -> Key, keyGroups: KeyGroups, rangeOfGroup: [Int],
                      ranges: Int, position: Int) -> [RangeBatch] where Key: StableHashable {
        let count = batch.count
        var keys: [Key] = []
        keys.reserveCapacity(count)
        var hashes = [UInt64](repeating: 0, count: count)
        var groups = [Int](repeating: 0, count: count)
        var members = [[Int]](repeating: [], count: ranges)
        if ranges > 1 {
            for range in 0..<ranges { members[range].reserveCapacity(count / ranges + count / 8 + 16) }
        }
        batch.values.withUnsafeBufferPointer { values in
            for index in 0..<count {
                let recordKey = key(values[index])
                let hash = recordKey.stableHash
                let group = keyGroups.group(ofHash: hash)
                keys.append(recordKey)
                hashes[index] = hash
                groups[index] = group
                if ranges > 1 { members[rangeOfGroup[group]].append(index) }
            }
        }
        if ranges == 1 { members[0] = Array(0..<count) }
        return members.map {
            RangeBatch(records: batch, keys: keys, hashes: hashes, groups: groups, members: $0, firstPosition: position)
        }
    }

    /// One record as a part of its own (for harnesses that push records one at a time).
    @inlinable
    static func single(_ value: Value, key: Key, hash: UInt64, group: Int, timestamp: Int64, watermark: Int64, position: Int) -> RangeBatch {
        RangeBatch(records: RecordBatch(values: [value], timestamps: [timestamp], watermarks: [watermark], endWatermark: watermark),
                   keys: [key], hashes: [hash], groups: [group], members: [0], firstPosition: position)
    }
}
