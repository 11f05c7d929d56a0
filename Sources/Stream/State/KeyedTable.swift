/// An insertion-ordered map from keys to values, found by a hash the caller computed once
/// (the key's stable hash, already needed for its key group), so the hot path hashes each key
/// one time instead of again with `Hasher`. Open addressing with linear probing; slots are
/// chosen from the hash's high bits (the key group uses the low ones). Each entry keeps its key,
/// hash and value together, so a look-up touches two cache lines (slot, entry), not four.
///
/// ```swift
/// var table = KeyedTable<String, Int>()
/// let (index, inserted) = table.findOrAppend("k1", hash: "k1".stableHash) { 0 }
/// table[valueAt: index] += 1
/// ```
@usableFromInline
struct KeyedTable<Key: Equatable, Value> {
    @usableFromInline
    struct Entry {
        @usableFromInline var key: Key
        @usableFromInline var hash: UInt64
        @usableFromInline var value: Value

        @inlinable init(key: Key, hash: UInt64, value: Value) {
            self.key = key
            self.hash = hash
            self.value = value
        }
    }

    /// The entries in insertion order.
    @usableFromInline var entries: [Entry] = []
    /// For each slot, 0 if empty, else the entry's index + 1 in the low 32 bits and the top 32
    /// bits of its hash in the high ones: a probe compares hashes without reading the entry, and
    /// reads it only when they match.
    @usableFromInline var slots: [UInt64] = [UInt64](repeating: 0, count: 16)
    @usableFromInline var shift: UInt64 = 60

    @inlinable init() {}

    @inlinable var count: Int { entries.count }

    /// The key of the entry at `index` (in insertion order).
    @inlinable func key(at index: Int) -> Key { entries[index].key }

    /// The value of the entry at `index` (in insertion order), to read or change in place.
    @inlinable subscript(valueAt index: Int) -> Value {
        get { entries[index].value }
        _modify { yield &entries[index].value }
    }

    @inlinable
    func slot(of hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The index of `key`, appending it with `make()` as its value when it is new.
    @inlinable
    mutating func findOrAppend(_ key: Key, hash: UInt64, make: () -> Value) -> (index: Int, inserted: Bool) {
        let mask = slots.count - 1
        var slot = slot(of: hash)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        // The probe only reads: unchecked buffers (the mask keeps `slot` in range, and every
        // slot indexes an appended entry), so no bounds or uniqueness checks per step.
        let found: Int? = slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                while true {
                    let occupant = slots[slot]
                    if occupant == 0 { return nil }
                    if occupant & 0xFFFF_FFFF_0000_0000 == tag {
                        let index = Int(truncatingIfNeeded: occupant & 0xFFFF_FFFF) - 1
                        if entries[index].key == key { return index }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
        if let found { return (found, false) }
        let index = entries.count
        entries.append(Entry(key: key, hash: hash, value: make()))
        slots[slot] = tag | UInt64(index + 1)
        if entries.count * 4 >= slots.count * 3 { grow() }
        return (index, true)
    }

    @inlinable
    mutating func grow() {
        let capacity = slots.count * 2
        shift -= 1
        slots = [UInt64](repeating: 0, count: capacity)
        let mask = capacity - 1
        for index in entries.indices {
            let hash = entries[index].hash
            var slot = slot(of: hash)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(index + 1)
        }
    }
}

extension KeyedTable.Entry: Sendable where Key: Sendable, Value: Sendable {}
extension KeyedTable: Sendable where Key: Sendable, Value: Sendable {}
