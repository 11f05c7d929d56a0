/// Encodes `Codable` state compactly for checkpoints: values in the order they are encoded,
/// fixed-width little-endian numbers, length-prefixed strings, element counts for arrays, and
/// each keyed field's key as a small number from a table written once. Dictionaries are written
/// as counted key–value pairs. Decoding follows the same order (as synthesized `Codable` does).
///
/// ```swift
/// let bytes = try BinaryStateEncoder.encode(snapshot)
/// let again = try BinaryStateDecoder.decode(Snapshot.self, from: bytes)
/// ```
public enum BinaryStateEncoder {
    /// Encodes `value` after `prefix` (a format byte, say) in one buffer.
    public static func encode<Value: Encodable>(_ value: Value, after prefix: [UInt8] = []) throws -> [UInt8] {
        let sink = BinarySink()
        sink.bytes.append(contentsOf: prefix)
        try sink.encodeValue(value)
        // Layout: [prefix] the body, then the key table, then where the body ends (8 bytes).
        let bodyLength = sink.bytes.count
        sink.writeVarint(UInt64(sink.keyNames.count))
        for name in sink.keyNames { sink.writeString(name) }
        sink.writeFixed(UInt64(bodyLength))
        return sink.bytes
    }
}

/// The bytes being written, and the key table. A class so every container appends to one buffer.
final class BinarySink: Encoder {
    var bytes: [UInt8] = []
    var keyIDs: [String: Int] = [:]
    var keyNames: [String] = []
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init() {
        bytes.reserveCapacity(1 << 16)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(BinaryKeyedEncoder<Key>(sink: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { BinaryUnkeyedEncoder(sink: self) }

    func singleValueContainer() -> any SingleValueEncodingContainer { BinarySingleEncoder(sink: self) }

    @inline(__always)
    func writeFixed<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    func writeString(_ value: String) {
        var copy = value
        copy.withUTF8 { utf8 in
            writeVarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    func writeKey(_ key: some CodingKey) {
        let name = key.stringValue
        if let id = keyIDs[name] {
            writeVarint(UInt64(id))
        } else {
            keyIDs[name] = keyNames.count
            writeVarint(UInt64(keyNames.count))
            keyNames.append(name)
        }
    }

    /// Writes any value: the primitives directly, dictionaries as counted pairs, the rest
    /// through their own `encode(to:)`.
    func encodeValue<T: Encodable>(_ value: T) throws {
        // By exact type: value casts would unwrap optionals and match any empty array.
        if T.self == String.self { writeString(value as! String) }
        else if T.self == Int.self { writeFixed(Int64(value as! Int)) }
        else if T.self == Int64.self { writeFixed(value as! Int64) }
        else if T.self == UInt64.self { writeFixed(value as! UInt64) }
        else if T.self == Int32.self { writeFixed(value as! Int32) }
        else if T.self == Double.self { writeFixed((value as! Double).bitPattern) }
        else if T.self == Bool.self { bytes.append((value as! Bool) ? 1 : 0) }
        else if T.self == [UInt8].self {
            let raw = value as! [UInt8]
            writeVarint(UInt64(raw.count))
            bytes.append(contentsOf: raw)
        }
        // Columns of primitives, as an unkeyed container would write them, without its per-element cost.
        else if T.self == [String].self {
            let list = value as! [String]
            writeFixed(UInt32(list.count))
            for element in list { writeString(element) }
        }
        else if T.self == [Int].self {
            let list = value as! [Int]
            writeFixed(UInt32(list.count))
            for element in list { writeFixed(Int64(element)) }
        }
        else if T.self == [Int64].self {
            let list = value as! [Int64]
            writeFixed(UInt32(list.count))
            for element in list { writeFixed(element) }
        }
        else if let optional = value as? any BinaryCodableOptional, T.self is any BinaryCodableOptional.Type { try optional.encodeMarked(to: self) }
        else if let dictionary = value as? any BinaryCodableDictionary, T.self is any BinaryCodableDictionary.Type { try dictionary.encodePairs(to: self) }
        else { try value.encode(to: self) }
    }
}

struct BinaryKeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: BinarySink
    var codingPath: [any CodingKey] { sink.codingPath }

    mutating func encodeNil(forKey key: Key) throws {
        sink.writeKey(key)
        sink.bytes.append(0)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws { sink.writeKey(key); sink.bytes.append(value ? 1 : 0) }
    mutating func encode(_ value: String, forKey key: Key) throws { sink.writeKey(key); sink.writeString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value.bitPattern) }
    mutating func encode(_ value: Float, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value.bitPattern) }
    mutating func encode(_ value: Int, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(Int64(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(UInt64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { sink.writeKey(key); sink.writeFixed(value) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        sink.writeKey(key)
        try sink.encodeValue(value)
    }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        sink.writeKey(key)
        guard let value else { sink.bytes.append(0); return }
        sink.bytes.append(1)
        try sink.encodeValue(value)
    }

    // The typed forms would otherwise skip nil keys altogether (their defaults do).
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeIfPresent(Marked(value), forKey: key) }

    private mutating func encodeIfPresent<T: Encodable>(_ marked: Marked<T>, forKey key: Key) throws {
        try encodeIfPresent(marked.value, forKey: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        sink.writeKey(key)
        return sink.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        sink.writeKey(key)
        return sink.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { sink }
    mutating func superEncoder(forKey key: Key) -> any Encoder { sink.writeKey(key); return sink }
}

/// Writes a count placeholder first and patches it as elements come, so the decoder knows the end.
struct BinaryUnkeyedEncoder: UnkeyedEncodingContainer {
    let sink: BinarySink
    let countOffset: Int
    private(set) var count = 0
    var codingPath: [any CodingKey] { sink.codingPath }

    init(sink: BinarySink) {
        self.sink = sink
        countOffset = sink.bytes.count
        sink.writeFixed(UInt32(0))
    }

    private mutating func counted() {
        count += 1
        withUnsafeBytes(of: UInt32(count).littleEndian) { raw in
            for index in 0..<4 { sink.bytes[countOffset + index] = raw[index] }
        }
    }

    mutating func encodeNil() throws { counted(); sink.bytes.append(0) }
    mutating func encode<T: Encodable>(_ value: T) throws { counted(); try sink.encodeValue(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        counted()
        return sink.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        counted()
        return sink.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { counted(); return sink }
}

struct BinarySingleEncoder: SingleValueEncodingContainer {
    let sink: BinarySink
    var codingPath: [any CodingKey] { sink.codingPath }

    mutating func encodeNil() throws { sink.bytes.append(0) }
    mutating func encode<T: Encodable>(_ value: T) throws { try sink.encodeValue(value) }
}

/// Dictionaries, written as a count and key–value pairs (their own `Codable` uses keys that a
/// positional format cannot list).
protocol BinaryCodableDictionary {
    func encodePairs(to sink: BinarySink) throws
    static func decodePairs(from source: BinarySource) throws -> Self
}

extension Dictionary: BinaryCodableDictionary where Key: Codable, Value: Codable {
    func encodePairs(to sink: BinarySink) throws {
        sink.writeVarint(UInt64(count))
        for (key, value) in self {
            try sink.encodeValue(key)
            try sink.encodeValue(value)
        }
    }

    static func decodePairs(from source: BinarySource) throws -> Self {
        let count = Int(try source.readVarint())
        var result = Self(minimumCapacity: count)
        for _ in 0..<count {
            let key = try source.decodeValue(Key.self)
            result[key] = try source.decodeValue(Value.self)
        }
        return result
    }
}

/// Optionals, written as a presence byte and the value, so a value starting with a zero byte is
/// never taken for nil.
protocol BinaryCodableOptional {
    func encodeMarked(to sink: BinarySink) throws
    static func decodeMarked(from source: BinarySource) throws -> Self
}

extension Optional: BinaryCodableOptional where Wrapped: Codable {
    func encodeMarked(to sink: BinarySink) throws {
        guard let wrapped = self else { sink.bytes.append(0); return }
        sink.bytes.append(1)
        try sink.encodeValue(wrapped)
    }

    static func decodeMarked(from source: BinarySource) throws -> Self {
        try source.readBool() ? try source.decodeValue(Wrapped.self) : nil
    }
}

/// Routes a typed optional to the generic `encodeIfPresent`.
struct Marked<T> {
    let value: T?
    init(_ value: T?) { self.value = value }
}
