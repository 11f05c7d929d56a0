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
    }

    public let keyGroups: KeyGroups
    public private(set) var entries: [Key: Entry] = [:]

    public init(keyGroups: KeyGroups = KeyGroups()) {
        self.keyGroups = keyGroups
    }

    public subscript(key: Key) -> Value? {
        get { entries[key]?.value }
        set {
            if let newValue {
                entries[key] = Entry(keyGroup: keyGroups.group(of: key), value: newValue)
            } else {
                entries[key] = nil
            }
        }
    }

    /// Changes a key's value in place (no copy of what it holds); `default` when the key has none yet.
    ///
    /// ```swift
    /// pending[order.key, default: []].append(order.value)
    /// ```
    public subscript(key: Key, default fallback: @autoclosure () -> Value) -> Value {
        get { entries[key]?.value ?? fallback() }
        _modify { yield &entries[key, default: Entry(keyGroup: keyGroups.group(of: key), value: fallback())].value }
    }

    /// Forgets every key for which `shouldBeRemoved` is true.
    ///
    /// ```swift
    /// lastSeen.removeAll { _, time in time < watermark - 60_000 }
    /// ```
    public mutating func removeAll(where shouldBeRemoved: (Key, Value) throws -> Bool) rethrows {
        entries = try entries.filter { try !shouldBeRemoved($0.key, $0.value.value) }
    }

    public var count: Int { entries.count }

    /// Replaces every entry (for a conversion of the whole state).
    mutating func replaceEntries(_ new: [Key: Entry]) {
        entries = new
    }
    public var keys: Dictionary<Key, Entry>.Keys { entries.keys }

    /// The keys whose groups fall in `range`, for a range restored with another parallelism.
    public func restricted(to range: Range<Int>) -> KeyedState {
        var part = KeyedState(keyGroups: keyGroups)
        part.entries = entries.filter { range.contains($0.value.keyGroup) }
        return part
    }

    private enum CodingKeys: String, CodingKey {
        case keyGroups, keys, groups, values
    }

    /// Written as three columns (keys, key groups, values): no container per entry.
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
        try container.encode(keys, forKey: .keys)
        try container.encode(groups, forKey: .groups)
        try container.encode(values, forKey: .values)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keyGroups = try container.decode(KeyGroups.self, forKey: .keyGroups)
        let keys = try container.decode([Key].self, forKey: .keys)
        let groups = try container.decode([Int].self, forKey: .groups)
        let values = try container.decode([Value].self, forKey: .values)
        guard keys.count == groups.count, keys.count == values.count else {
            throw DecodingError.dataCorruptedError(forKey: .values, in: container, debugDescription: "keys, groups and values differ in count")
        }
        entries.reserveCapacity(keys.count)
        for index in keys.indices { entries[keys[index]] = Entry(keyGroup: groups[index], value: values[index]) }
    }

    /// All the parts' keys in one state.
    public static func merged(_ parts: [KeyedState], keyGroups: KeyGroups) -> KeyedState {
        var whole = KeyedState(keyGroups: keyGroups)
        for part in parts { whole.entries.merge(part.entries) { first, _ in first } }
        return whole
    }
}
