/// Per-key state of a stateful operator's range of key groups, each key tagged with its key
/// group so a checkpoint can be split among another number of ranges.
///
/// ```swift
/// var seen = KeyedState<String, Int64>()
/// seen["user-1"] = 1_700_000_000_000
/// seen["user-1"]            // 1700000000000
/// seen["user-1"] = nil      // forgets the key
/// ```
public struct KeyedState<Key: StableHashable & Codable, Value: Codable & Sendable>: Sendable, Codable {
    public struct Entry: Sendable, Codable {
        public var keyGroup: Int
        public var value: Value

        @inlinable
        public init(keyGroup: Int, value: Value) {
            self.keyGroup = keyGroup
            self.value = value
        }
    }

    public let keyGroups: KeyGroups
    /// Inlinable, so operators in other modules look keys up in code specialised for their types.
    @usableFromInline var storage: [Key: Entry] = [:]

    public var entries: [Key: Entry] { storage }

    @inlinable
    public init(keyGroups: KeyGroups = KeyGroups()) {
        self.keyGroups = keyGroups
    }

    @inlinable
    public subscript(key: Key) -> Value? {
        get { storage[key]?.value }
        set {
            if let newValue {
                storage[key] = Entry(keyGroup: keyGroups.group(of: key), value: newValue)
            } else {
                storage[key] = nil
            }
        }
    }

    /// Changes a key's value in place (no copy of what it holds); `default` when the key has none yet.
    ///
    /// ```swift
    /// pending[order.key, default: []].append(order.value)
    /// ```
    @inlinable
    public subscript(key: Key, default fallback: @autoclosure () -> Value) -> Value {
        get { storage[key]?.value ?? fallback() }
        _modify { yield &storage[key, default: Entry(keyGroup: keyGroups.group(of: key), value: fallback())].value }
    }

    /// Hands `body` the value of `record`'s key to read and change in place, `fallback` when the
    /// key has none yet: one look-up, and the key group the engine already worked out for the
    /// record (not hashed again). Returns what `body` returns.
    ///
    /// ```swift
    /// let isNew = lastSeen.update(for: record, default: nil) { last in
    ///     defer { last = record.timestamp }
    ///     return last == nil
    /// }
    /// ```
    @inlinable
    public mutating func update<Input, Result>(for record: KeyedRecord<Key, Input>, default fallback: @autoclosure () -> Value,
                                               _ body: (inout Value) throws -> Result) rethrows -> Result {
        try body(&storage[record.key, default: Entry(keyGroup: record.keyGroup, value: fallback())].value)
    }

    /// Forgets every key for which `shouldBeRemoved` is true.
    ///
    /// ```swift
    /// lastSeen.removeAll { _, time in time < watermark - 60_000 }
    /// ```
    @inlinable
    public mutating func removeAll(where shouldBeRemoved: (Key, Value) throws -> Bool) rethrows {
        storage = try storage.filter { try !shouldBeRemoved($0.key, $0.value.value) }
    }

    @inlinable
    public var count: Int { storage.count }

    /// Replaces every entry (for a conversion of the whole state).
    mutating func replaceEntries(_ new: [Key: Entry]) {
        storage = new
    }
    public var keys: Dictionary<Key, Entry>.Keys { storage.keys }

    /// The keys whose groups fall in `range`, for a range restored with another parallelism.
    public func restricted(to range: Range<Int>) -> KeyedState {
        var part = KeyedState(keyGroups: keyGroups)
        part.storage = storage.filter { range.contains($0.value.keyGroup) }
        return part
    }

    private enum CodingKeys: String, CodingKey {
        case keyGroups, keys, groups, values
    }

    /// Written as three columns (keys, key groups, values): no container per entry (nor per key,
    /// for a ``ColumnarKey``).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keyGroups, forKey: .keyGroups)
        var keys: [Key] = []
        var groups: [Int] = []
        var values: [Value] = []
        keys.reserveCapacity(entries.count)
        groups.reserveCapacity(entries.count)
        values.reserveCapacity(entries.count)
        for (key, entry) in entries {
            keys.append(key)
            groups.append(entry.keyGroup)
            values.append(entry.value)
        }
        if KeyColumns<Key>.applies {
            try container.encode(KeyColumns(keys), forKey: .keys)
        } else {
            try container.encode(keys, forKey: .keys)
        }
        try container.encode(groups, forKey: .groups)
        try container.encode(values, forKey: .values)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keyGroups = try container.decode(KeyGroups.self, forKey: .keyGroups)
        let keys = KeyColumns<Key>.applies ? try container.decode(KeyColumns<Key>.self, forKey: .keys).keys
            : try container.decode([Key].self, forKey: .keys)
        let groups = try container.decode([Int].self, forKey: .groups)
        let values = try container.decode([Value].self, forKey: .values)
        guard keys.count == groups.count, keys.count == values.count else {
            throw DecodingError.dataCorruptedError(forKey: .values, in: container, debugDescription: "keys, groups and values differ in count")
        }
        storage.reserveCapacity(keys.count)
        for index in keys.indices { storage[keys[index]] = Entry(keyGroup: groups[index], value: values[index]) }
    }

    /// All the parts' keys in one state.
    public static func merged(_ parts: [KeyedState], keyGroups: KeyGroups) -> KeyedState {
        var whole = KeyedState(keyGroups: keyGroups)
        for part in parts { whole.storage.merge(part.storage) { first, _ in first } }
        return whole
    }
}
