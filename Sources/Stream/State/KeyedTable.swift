/// An insertion-ordered map from keys to values, found by a hash the caller computed once
/// (the key's stable hash, already needed for its key group), so the hot path hashes each key
/// one time instead of again with `Hasher`. Open addressing with linear probing; slots are
/// chosen from the hash's high bits (the key group uses the low ones).
///
/// ```swift
/// var table = KeyedTable<String, Int>()
/// let (index, inserted) = table.findOrAppend("k1", hash: "k1".stableHash) { 0 }
/// table.values[index] += 1
/// ```
@usableFromInline
struct KeyedTable<Key: Equatable, Value> {
    /// Keys, values and hashes in insertion order.
    @usableFromInline var keys: [Key] = []
    @usableFromInline var values: [Value] = []
    @usableFromInline var hashes: [UInt64] = []
    /// Index into `keys` + 1 for each slot; 0 is empty.
    @usableFromInline var slots: [Int32] = [Int32](repeating: 0, count: 16)
    @usableFromInline var shift: UInt64 = 60

    @inlinable init() {}

    @inlinable var count: Int { keys.count }

    @inlinable
    func slot(of hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The index of `key`, appending it with `make()` as its value when it is new.
    @inlinable
    mutating func findOrAppend(_ key: Key, hash: UInt64, make: () -> Value) -> (index: Int, inserted: Bool) {
        let mask = slots.count - 1
        var slot = slot(of: hash)
        // The probe only reads: unchecked buffers (the mask keeps `slot` in range, and every
        // entry indexes an appended key), so no bounds or uniqueness checks per step.
        let found: Int? = slots.withUnsafeBufferPointer { slots in
            hashes.withUnsafeBufferPointer { hashes in
                keys.withUnsafeBufferPointer { keys in
                    while true {
                        let entry = Int(slots[slot])
                        if entry == 0 { return nil }
                        if hashes[entry - 1] == hash && keys[entry - 1] == key { return entry - 1 }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
        if let found { return (found, false) }
        let index = keys.count
        keys.append(key)
        values.append(make())
        hashes.append(hash)
        slots[slot] = Int32(index + 1)
        if keys.count * 4 >= slots.count * 3 { grow() }
        return (index, true)
    }

    @inlinable
    mutating func grow() {
        let capacity = slots.count * 2
        shift -= 1
        slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (index, hash) in hashes.enumerated() {
            var slot = slot(of: hash)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index + 1)
        }
    }
}

extension KeyedTable: Sendable where Key: Sendable, Value: Sendable {}
