import Foundation

/// Decodes `Decodable` records from JSON bytes, with the results `JSONDecoder` gives with its
/// default strategies (dates as seconds since 2001, `Data` as base64, `URL` and `Decimal` as
/// JSON gives them), without building a JSON tree first: containers read the record's bytes in
/// place. About an order of magnitude faster than `JSONDecoder` on small records, which is what
/// the JSON sources decode per record.
///
/// ```swift
/// struct Click: Decodable { var time: Int64; var user: String; var page: String }
/// let click = try JSONRecordDecoder().decode(Click.self, from: Array(#"{"time":1,"user":"u1","page":"/"}"#.utf8))
/// ```
public struct JSONRecordDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBufferPointer { try decode(type, from: $0) }
    }

    /// Decodes a value from the bytes, which must hold one JSON value (and white space).
    public func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeBufferPointer<UInt8>) throws -> T {
        let scanner = JSONScanner(bytes)
        return try Self.decode(type, from: bytes, with: JSONValueDecoder(scanner: scanner, offset: scanner.skipSpace(0), codingPath: []))
    }

    /// Decodes with `decoder`, set at the start of `bytes`' value.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeBufferPointer<UInt8>, with decoder: JSONValueDecoder) throws -> T {
        let scanner = decoder.scanner
        let start = decoder.offset
        do {
            let value = try decoder.decodeValue(type)
            let end = try decoder.knownEnd ?? scanner.skipValue(start)
            guard scanner.skipSpace(end) == bytes.count else {
                throw JSONScanner.Malformed(offset: scanner.skipSpace(end), reason: "text after the value")
            }
            return value
        } catch let malformed as JSONScanner.Malformed {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: "\(malformed)", underlyingError: malformed))
        }
    }
}

/// ``JSONRecordDecoder`` for one reader's records, one after another: the decoder object and
/// its list of an object's members are kept from one record to the next, not allocated again
/// for each. Not for concurrent use.
///
/// ```swift
/// let decoder = SequentialJSONDecoder()
/// let clicks = try lines.map { try decoder.decode(Click.self, from: $0) }
/// ```
@usableFromInline
final class SequentialJSONDecoder {
    private var root: JSONValueDecoder?

    @usableFromInline init() {}

    @usableFromInline
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBufferPointer { try decode(type, from: $0) }
    }

    @usableFromInline
    func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeBufferPointer<UInt8>) throws -> T {
        let scanner = JSONScanner(bytes)
        let start = scanner.skipSpace(0)
        // Reused only if nothing kept it (a `Decodable` initializer could hold on to its decoder).
        if root != nil, isKnownUniquelyReferenced(&root!) {
            root!.reset(scanner: scanner, offset: start)
        } else {
            root = JSONValueDecoder(scanner: scanner, offset: start, codingPath: [])
        }
        return try JSONRecordDecoder.decode(type, from: bytes, with: root!)
    }
}

/// One JSON value being decoded: the `Decoder` a `Decodable` type's initializer is given.
final class JSONValueDecoder: Decoder {
    private(set) var scanner: JSONScanner
    private(set) var offset: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// Where the value ends, once a container has found out.
    var knownEnd: Int?

    init(scanner: JSONScanner, offset: Int, codingPath: [any CodingKey]) {
        self.scanner = scanner
        self.offset = offset
        self.codingPath = codingPath
    }

    /// The object's members, found the first time a keyed container is asked for.
    private(set) var members: [JSONScanner.Member] = []

    /// The same decoder at the start of another record (for ``SequentialJSONDecoder``).
    func reset(scanner: JSONScanner, offset: Int) {
        self.scanner = scanner
        self.offset = offset
        knownEnd = nil
        members.removeAll(keepingCapacity: true)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try expect(UInt8(ascii: "{"), [String: Any].self)
        if knownEnd == nil {
            knownEnd = try scanner.members(ofObjectAt: offset, into: &members)
        }
        return KeyedDecodingContainer(JSONKeyedContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try expect(UInt8(ascii: "["), [Any].self)
        let container = try JSONUnkeyedContainer(decoder: self)
        knownEnd = container.end
        return container
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONSingleValueContainer(decoder: self)
    }

    func expect(_ opening: UInt8, _ type: Any.Type) throws {
        guard let first = scanner.byte(at: offset) else { throw JSONScanner.Malformed(offset: offset, reason: "a value was expected") }
        guard first == opening else { throw scanner.mismatch(type, found: first, path: codingPath) }
    }

    var isNull: Bool { scanner.isNull(at: offset) }

    /// Decodes the value here as `type`: the standard library's and Foundation's types that
    /// `JSONDecoder` treats specially are read directly; anything else through its initializer.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let value = try scanner.decodeSpecial(type, at: offset, path: codingPath) { return value }
        return try T(from: self)
    }

    func decodeString() throws -> String { try scanner.decodeString(at: offset, path: codingPath) }
    func decodeBool() throws -> Bool { try scanner.decodeBool(at: offset, path: codingPath) }
    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T { try scanner.decodeInteger(type, at: offset, path: codingPath) }
    func decodeFloatingPoint<T: BinaryFloatingPoint & LosslessStringConvertible>(_ type: T.Type) throws -> T {
        try scanner.decodeFloatingPoint(type, at: offset, path: codingPath)
    }

    /// A decoder for the value at `offset`, one level down.
    func child(at offset: Int, key: any CodingKey) -> JSONValueDecoder {
        JSONValueDecoder(scanner: scanner, offset: offset, codingPath: codingPath + [key])
    }
}

extension JSONScanner {
    // Values at an offset, decoded without a decoder object: a keyed container reads its
    // members' strings and numbers through these. `path` is only built for an error.

    func mismatch(_ type: Any.Type, found byte: UInt8, path: @autoclosure () -> [any CodingKey]) -> DecodingError {
        let found: String
        switch byte {
        case UInt8(ascii: "{"): found = "an object"
        case UInt8(ascii: "["): found = "an array"
        case UInt8(ascii: "\""): found = "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): found = "a boolean"
        case UInt8(ascii: "n"): found = "null"
        default: found = "a number"
        }
        if byte == UInt8(ascii: "n") {
            return .valueNotFound(type, .init(codingPath: path(), debugDescription: "Expected \(type) but found null instead."))
        }
        return .typeMismatch(type, .init(codingPath: path(), debugDescription: "Expected to decode \(type) but found \(found) instead."))
    }

    func isNull(at offset: Int) -> Bool {
        byte(at: offset) == UInt8(ascii: "n") && (try? literal("null", at: offset)) != nil
    }

    func startsNumber(at offset: Int) -> Bool {
        guard let first = byte(at: offset) else { return false }
        return first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
    }

    func decodeString(at offset: Int, path: @autoclosure () -> [any CodingKey]) throws -> String {
        guard byte(at: offset) == UInt8(ascii: "\"") else { throw mismatch(String.self, found: byte(at: offset) ?? 0, path: path()) }
        return try string(at: offset)
    }

    func decodeBool(at offset: Int, path: @autoclosure () -> [any CodingKey]) throws -> Bool {
        switch byte(at: offset) {
        case UInt8(ascii: "t"):
            _ = try literal("true", at: offset)
            return true
        case UInt8(ascii: "f"):
            _ = try literal("false", at: offset)
            return false
        case let found: throw mismatch(Bool.self, found: found ?? 0, path: path())
        }
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type, at offset: Int, path: @autoclosure () -> [any CodingKey]) throws -> T {
        guard startsNumber(at: offset) else { throw mismatch(type, found: byte(at: offset) ?? 0, path: path()) }
        let (whole, _) = try integer(at: offset)
        if let whole, let value = T(exactly: whole) { return value }
        // Written with a fraction or an exponent, or beyond Int64: fine if it is a whole number in range.
        let text = try numberText(at: offset)
        if let value = T(text) { return value }
        if let double = Double(text), let value = T(exactly: double) { return value }
        throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "Parsed JSON number <\(text)> does not fit in \(type)."))
    }

    func decodeFloatingPoint<T: BinaryFloatingPoint & LosslessStringConvertible>(_ type: T.Type, at offset: Int,
                                                                                path: @autoclosure () -> [any CodingKey]) throws -> T {
        guard startsNumber(at: offset) else { throw mismatch(type, found: byte(at: offset) ?? 0, path: path()) }
        let (whole, _) = try integer(at: offset)
        if let whole, let value = T(exactly: whole) { return value }
        let double = try self.double(at: offset)
        let value = T(double)
        guard value.isFinite else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "Parsed JSON number <\(double)> does not fit in \(type)."))
        }
        return value
    }

    /// The types `JSONDecoder` reads directly rather than through their initializers (`URL`
    /// from a string, `Data` from base64, `Decimal` from the number's text), and the common
    /// primitives; nil for any other type.
    func decodeSpecial<T>(_ type: T.Type, at offset: Int, path: @autoclosure () -> [any CodingKey]) throws -> T? {
        // Metatype comparisons, not casts: this runs for every nested value.
        if type == String.self { return try decodeString(at: offset, path: path()) as? T }
        if type == Int64.self { return try decodeInteger(Int64.self, at: offset, path: path()) as? T }
        if type == Int.self { return try decodeInteger(Int.self, at: offset, path: path()) as? T }
        if type == Double.self { return try decodeFloatingPoint(Double.self, at: offset, path: path()) as? T }
        if type == Bool.self { return try decodeBool(at: offset, path: path()) as? T }
        if type == URL.self {
            guard let url = URL(string: try decodeString(at: offset, path: path())) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "Invalid URL string."))
            }
            return url as? T
        }
        if type == Data.self {
            guard let data = Data(base64Encoded: try decodeString(at: offset, path: path())) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "Encountered Data is not valid Base64."))
            }
            return data as? T
        }
        if type == Decimal.self {
            guard startsNumber(at: offset) else { throw mismatch(Decimal.self, found: byte(at: offset) ?? 0, path: path()) }
            guard let decimal = Decimal(string: try numberText(at: offset), locale: Locale(identifier: "en_US_POSIX")) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "Invalid Decimal."))
            }
            return decimal as? T
        }
        return nil
    }
}

/// An array index as a coding key.
struct JSONIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue!)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// The key `super` (for `superDecoder()`).
struct JSONSuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { guard stringValue == "super" else { return nil } }
    init?(intValue: Int) { nil }
}
