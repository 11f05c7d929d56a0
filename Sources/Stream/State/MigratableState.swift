/// A keyed process function's state type that can be restored from checkpoints written with an
/// older one: where a restore finds state of type `Old` for the step, it decodes it as `Old` and
/// converts each key's value with ``init(migrating:)``, instead of refusing the changed type.
///
/// ```swift
/// struct VisitsV2: MigratableState {
///     var count: Int
///     var lastSeen: Int64?
///     init(migrating old: Visits) { count = old.count; lastSeen = nil }
/// }
/// ```
public protocol MigratableState: Codable, Sendable {
    associatedtype Old: Codable & Sendable
    init(migrating old: Old)
}

extension StateSignature {
    /// The signature of a keyed process step's state: `KeyedState<Key, State>`, accepting
    /// `KeyedState<Key, State.Old>` when `State` is a ``MigratableState``.
    public static func keyedState<Key: StableHashable & Codable, State: Codable & Sendable>(_ key: Key.Type, _ state: State.Type) -> StateSignature {
        var signature = StateSignature.of(KeyedState<Key, State>.self)
        if let migratable = State.self as? any MigratableState.Type {
            signature.accepts = [olderSchema(migratable, key: Key.self)]
        }
        return signature
    }

    static func olderSchema<Migrating: MigratableState, Key: StableHashable & Codable>(_ type: Migrating.Type, key: Key.Type) -> String {
        String(reflecting: KeyedState<Key, Migrating.Old>.self)
    }
}

extension KeyedState {
    /// The same keys, in the same key groups, with each value converted.
    public func migrated<New: Codable & Sendable>(_ convert: (Value) -> New) -> KeyedState<Key, New> {
        var result = KeyedState<Key, New>(keyGroups: keyGroups)
        result.replaceEntries(entries.mapValues { .init(keyGroup: $0.keyGroup, value: convert($0.value)) })
        return result
    }
}

extension ProcessCheckpoint {
    /// The same ranges and timers with each key's state converted.
    public func migrated<New: Codable & Sendable>(_ convert: (State) -> New) -> ProcessCheckpoint<Key, New> {
        ProcessCheckpoint<Key, New>(ranges: ranges, parts: parts.map { ProcessSnapshot(state: $0.state.migrated(convert), timers: $0.timers) })
    }
}
