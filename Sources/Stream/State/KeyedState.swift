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

    /// Changes a key's value in place; `default` when the key has none yet.
    public subscript(key: Key, default fallback: @autoclosure () -> Value) -> Value {
        get { entries[key]?.value ?? fallback() }
        set { self[key] = newValue }
    }

    public var count: Int { entries.count }
    public var keys: Dictionary<Key, Entry>.Keys { entries.keys }

    /// The keys whose groups fall in `range`, for a range restored with another parallelism.
    public func restricted(to range: Range<Int>) -> KeyedState {
        var part = KeyedState(keyGroups: keyGroups)
        part.entries = entries.filter { range.contains($0.value.keyGroup) }
        return part
    }

    /// All the parts' keys in one state.
    public static func merged(_ parts: [KeyedState], keyGroups: KeyGroups) -> KeyedState {
        var whole = KeyedState(keyGroups: keyGroups)
        for part in parts { whole.entries.merge(part.entries) { first, _ in first } }
        return whole
    }
}
