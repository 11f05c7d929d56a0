/// A value with the key it belongs to: what running keyed operators emit.
public struct KeyedValue<Key: Sendable, Value: Sendable>: Sendable {
    public var key: Key
    public var value: Value

    @inlinable
    public init(key: Key, value: Value) {
        self.key = key
        self.value = value
    }
}

extension KeyedValue: Equatable where Key: Equatable, Value: Equatable {}
extension KeyedValue: Hashable where Key: Hashable, Value: Hashable {}
extension KeyedValue: Codable where Key: Codable, Value: Codable {}
