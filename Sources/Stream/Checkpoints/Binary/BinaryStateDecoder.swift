/// Decodes what ``BinaryStateEncoder`` wrote, in the same order.
public enum BinaryStateDecoder {
    /// Decodes a value written after `prefixLength` bytes of prefix.
    public static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8], prefixLength: Int = 0) throws -> Value {
        let source = try BinarySource(bytes, start: prefixLength)
        let value = try source.decodeValue(type)
        guard source.offset == source.bodyEnd else {
            throw source.corrupt("\(source.bodyEnd - source.offset) bytes left over after the value")
        }
        return value
    }
}

/// The bytes being read: the body, then the key table (read first, from the end).
final class BinarySource: Decoder {
    let bytes: [UInt8]
    var offset = 0
    let bodyEnd: Int
    var keyNames: [String] = []
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(_ bytes: [UInt8], start: Int) throws {
        self.bytes = bytes
        guard bytes.count >= 8 else { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "too short for binary state")) }
        var length: UInt64 = 0
        for index in 0..<8 { length |= UInt64(bytes[bytes.count - 8 + index]) << (8 * UInt64(index)) }
        guard length >= UInt64(start), length <= UInt64(bytes.count - 8) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "binary state body length \(length) beyond the data"))
        }
        bodyEnd = Int(length)
        offset = bodyEnd
        let names = Int(try readVarint(limit: bytes.count - 8))
        for _ in 0..<names { keyNames.append(try readString(limit: bytes.count - 8)) }
        offset = start
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(BinaryKeyedDecoder<Key>(source: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { try BinaryUnkeyedDecoder(source: self) }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { BinarySingleDecoder(source: self) }

    func corrupt(_ reason: String) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "binary state at byte \(offset): \(reason)"))
    }

    @inline(__always)
    func readFixed<T: FixedWidthInteger>(_ type: T.Type, limit: Int? = nil) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= (limit ?? bodyEnd) else { throw corrupt("ends inside a number") }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for index in 0..<size { raw[index] = bytes[offset + index] }
        }
        offset += size
        return T(littleEndian: value)
    }

    @inline(__always)
    func readVarint(limit: Int? = nil) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let end = limit ?? bodyEnd
        while true {
            guard offset < end, shift < 64 else { throw corrupt("bad length") }
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    func readString(limit: Int? = nil) throws -> String {
        let count = Int(try readVarint(limit: limit))
        guard count >= 0, offset + count <= (limit ?? bodyEnd) else { throw corrupt("a string runs past the end") }
        defer { offset += count }
        return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
    }

    func readBool() throws -> Bool {
        guard offset < bodyEnd else { throw corrupt("ends inside a flag") }
        defer { offset += 1 }
        return bytes[offset] != 0
    }

    /// Reads a key id and checks it is the key asked for.
    func readKey(_ key: some CodingKey) throws {
        let id = Int(try readVarint())
        guard id < keyNames.count else { throw corrupt("unknown key number \(id)") }
        guard keyNames[id] == key.stringValue else {
            throw corrupt("found field '\(keyNames[id])' where '\(key.stringValue)' was expected (did the state's type change?)")
        }
    }

    /// The next key id's name, without reading it.
    func peekKey() throws -> String {
        let start = offset
        defer { offset = start }
        let id = Int(try readVarint())
        guard id < keyNames.count else { throw corrupt("unknown key number \(id)") }
        return keyNames[id]
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type: return try readString() as! T
        case is Int.Type: return Int(try readFixed(Int64.self)) as! T
        case is Int64.Type: return try readFixed(Int64.self) as! T
        case is UInt64.Type: return try readFixed(UInt64.self) as! T
        case is Int32.Type: return try readFixed(Int32.self) as! T
        case is Double.Type: return Double(bitPattern: try readFixed(UInt64.self)) as! T
        case is Bool.Type: return try readBool() as! T
        case is [UInt8].Type:
            let count = Int(try readVarint())
            guard offset + count <= bodyEnd else { throw corrupt("bytes run past the end") }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)]) as! T
        case is [String].Type:
            let count = Int(try readFixed(UInt32.self))
            var list: [String] = []
            list.reserveCapacity(min(count, bodyEnd - offset))
            for _ in 0..<count { list.append(try readString()) }
            return list as! T
        case is [Int].Type:
            let count = Int(try readFixed(UInt32.self))
            guard offset + 8 * count <= bodyEnd else { throw corrupt("a list runs past the end") }
            var list: [Int] = []
            list.reserveCapacity(count)
            for _ in 0..<count { list.append(Int(try readFixed(Int64.self))) }
            return list as! T
        case is [Int64].Type:
            let count = Int(try readFixed(UInt32.self))
            guard offset + 8 * count <= bodyEnd else { throw corrupt("a list runs past the end") }
            var list: [Int64] = []
            list.reserveCapacity(count)
            for _ in 0..<count { list.append(try readFixed(Int64.self)) }
            return list as! T
        case let dictionary as any BinaryCodableDictionary.Type: return try dictionary.decodePairs(from: self) as! T
        case let optional as any BinaryCodableOptional.Type: return try optional.decodeMarked(from: self) as! T
        default: return try T(from: self)
        }
    }
}

struct BinaryKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let source: BinarySource
    var codingPath: [any CodingKey] { source.codingPath }

    /// Only the next field can be known: enough for enums, whose one key names the case.
    var allKeys: [Key] { (try? source.peekKey()).flatMap { Key(stringValue: $0) }.map { [$0] } ?? [] }

    func contains(_ key: Key) -> Bool { (try? source.peekKey()) == key.stringValue }

    func decodeNil(forKey key: Key) throws -> Bool {
        let start = source.offset
        try source.readKey(key)
        if source.offset < source.bodyEnd && source.bytes[source.offset] == 0 {
            source.offset += 1
            return true
        }
        source.offset = start
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try source.readKey(key); return try source.readBool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try source.readKey(key); return try source.readString() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try source.readKey(key)
        return Double(bitPattern: try source.readFixed(UInt64.self))
    }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try source.readKey(key)
        return Float(bitPattern: try source.readFixed(UInt32.self))
    }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try source.readKey(key); return Int(try source.readFixed(Int64.self)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try source.readKey(key); return try source.readFixed(Int8.self) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try source.readKey(key); return try source.readFixed(Int16.self) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try source.readKey(key); return try source.readFixed(Int32.self) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try source.readKey(key); return try source.readFixed(Int64.self) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try source.readKey(key); return UInt(try source.readFixed(UInt64.self)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try source.readKey(key); return try source.readFixed(UInt8.self) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try source.readKey(key); return try source.readFixed(UInt16.self) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try source.readKey(key); return try source.readFixed(UInt32.self) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try source.readKey(key); return try source.readFixed(UInt64.self) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try source.readKey(key)
        return try source.decodeValue(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try decodeMarked(type, forKey: key)
    }

    // The typed forms' defaults would look for the key with `contains`, which this format cannot answer.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try decodeMarked(type, forKey: key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try decodeMarked(type, forKey: key) }

    private func decodeMarked<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try source.readKey(key)
        return try source.readBool() ? try source.decodeValue(type) : nil
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try source.readKey(key)
        return try source.container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try source.readKey(key)
        return try source.unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { source }
    func superDecoder(forKey key: Key) throws -> any Decoder { try source.readKey(key); return source }
}

struct BinaryUnkeyedDecoder: UnkeyedDecodingContainer {
    let source: BinarySource
    let count: Int?
    private(set) var currentIndex = 0
    var codingPath: [any CodingKey] { source.codingPath }
    var isAtEnd: Bool { currentIndex >= count! }

    init(source: BinarySource) throws {
        self.source = source
        count = Int(try source.readFixed(UInt32.self))
    }

    private mutating func next() throws {
        guard !isAtEnd else { throw source.corrupt("more elements asked for than the array holds") }
        currentIndex += 1
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, source.offset < source.bodyEnd, source.bytes[source.offset] == 0 else { return false }
        currentIndex += 1
        source.offset += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next()
        return try source.decodeValue(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next()
        return try source.container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next()
        return try source.unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next(); return source }
}

struct BinarySingleDecoder: SingleValueDecodingContainer {
    let source: BinarySource
    var codingPath: [any CodingKey] { source.codingPath }

    func decodeNil() -> Bool {
        guard source.offset < source.bodyEnd, source.bytes[source.offset] == 0 else { return false }
        source.offset += 1
        return true
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try source.decodeValue(type) }
}
