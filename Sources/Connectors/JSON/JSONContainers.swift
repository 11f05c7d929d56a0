/// An object's members, found once when the container is made; a key is looked for from the
/// member after the last one found, so fields decoded in the order they are written (the usual
/// case) are found at the first try.
struct JSONKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    /// The decoder of the object, which holds its members. One reference: the standard
    /// library's container box copies the container on every call, and a copy of one
    /// reference is one retain.
    let decoder: JSONValueDecoder

    init(decoder: JSONValueDecoder) {
        self.decoder = decoder
    }

    var members: [JSONScanner.Member] { decoder.members }

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        members.compactMap { member in
            (try? decoder.scanner.text(from: member.nameStart, to: member.nameEnd)).flatMap { Key(stringValue: $0) }
        }
    }

    /// The member named `key`: objects are small, and a name's length is compared first.
    func member(_ key: Key) -> JSONScanner.Member? {
        let name = key.stringValue
        for member in members where decoder.scanner.name(of: member, is: name) { return member }
        return nil
    }

    /// Where `key`'s value starts; an error if the object has no such member.
    func valueOffset(_ key: Key) throws -> Int {
        guard let member = member(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath,
                                                       debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
        }
        return member.valueStart
    }

    func contains(_ key: Key) -> Bool { member(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { decoder.scanner.isNull(at: try valueOffset(key)) }

    func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }
    var scanner: JSONScanner { decoder.scanner }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try scanner.decodeBool(at: valueOffset(key), path: path(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try scanner.decodeString(at: valueOffset(key), path: path(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try scanner.decodeFloatingPoint(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try scanner.decodeFloatingPoint(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try scanner.decodeInteger(type, at: valueOffset(key), path: path(key)) }

    /// A decoder for `key`'s value, for what is not a string, number or boolean.
    func valueDecoder(_ key: Key) throws -> JSONValueDecoder {
        try decoder.child(at: valueOffset(key), key: key)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let offset = try valueOffset(key)
        if let value = try scanner.decodeSpecial(type, at: offset, path: path(key)) { return value }
        return try T(from: decoder.child(at: offset, key: key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try valueDecoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try valueDecoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        guard let member = members.first(where: { decoder.scanner.name(of: $0, is: "super") }) else {
            return decoder.child(at: decoder.scanner.bytes.count, key: JSONSuperKey())
        }
        return decoder.child(at: member.valueStart, key: JSONSuperKey())
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try valueDecoder(key) }
}

/// An array's elements, found once when the container is made, read in order.
struct JSONUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoder
    let starts: [Int]
    let end: Int
    private(set) var currentIndex = 0

    init(decoder: JSONValueDecoder) throws {
        self.decoder = decoder
        let scanner = decoder.scanner
        var starts: [Int] = []
        var index = scanner.skipSpace(decoder.offset + 1)
        if scanner.byte(at: index) == UInt8(ascii: "]") {
            end = index + 1
        } else {
            while true {
                starts.append(index)
                index = scanner.skipSpace(try scanner.skipValue(index))
                switch scanner.byte(at: index) {
                case UInt8(ascii: ","): index = scanner.skipSpace(index + 1)
                case UInt8(ascii: "]"):
                    end = index + 1
                    self.starts = starts
                    return
                default: throw JSONScanner.Malformed(offset: index, reason: "\",\" or \"]\" was expected")
                }
            }
        }
        self.starts = starts
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { starts.count }
    var isAtEnd: Bool { currentIndex >= starts.count }

    mutating func next<T>(_ type: T.Type) throws -> JSONValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [JSONIndexKey(currentIndex)],
                                                          debugDescription: "Unkeyed container is at end."))
        }
        defer { currentIndex += 1 }
        return decoder.child(at: starts[currentIndex], key: JSONIndexKey(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { throw DecodingError.valueNotFound(Any?.self, .init(codingPath: codingPath, debugDescription: "Unkeyed container is at end.")) }
        let isNull = decoder.child(at: starts[currentIndex], key: JSONIndexKey(currentIndex)).isNull
        if isNull { currentIndex += 1 }
        return isNull
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type).decodeBool() }
    mutating func decode(_ type: String.Type) throws -> String { try next(type).decodeString() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type).decodeFloatingPoint(Double.self) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type).decodeFloatingPoint(Float.self) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next(type).decodeInteger(Int.self) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type).decodeInteger(Int8.self) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type).decodeInteger(Int16.self) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type).decodeInteger(Int32.self) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type).decodeInteger(Int64.self) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type).decodeInteger(UInt.self) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type).decodeInteger(UInt8.self) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type).decodeInteger(UInt16.self) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type).decodeInteger(UInt32.self) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type).decodeInteger(UInt64.self) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type).decodeValue(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next(KeyedDecodingContainer<NestedKey>.self).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next((any UnkeyedDecodingContainer).self).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next((any Decoder).self) }
}

/// The value itself.
struct JSONSingleValueContainer: SingleValueDecodingContainer {
    let decoder: JSONValueDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decodeFloatingPoint(Double.self) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.decodeFloatingPoint(Float.self) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.decodeInteger(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decodeInteger(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodeInteger(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodeInteger(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodeInteger(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.decodeInteger(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decodeInteger(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decodeInteger(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decodeInteger(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decodeInteger(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
}

