/// A key type whose keys a checkpoint writes as columns of their fields (all the first fields,
/// then all the second) instead of key by key: ``CompositeKey`` of two strings becomes two
/// string columns, which the binary state format writes in one pass each, where a container
/// per key cost several times more. ``KeyedState`` writes its keys this way when the key type
/// is columnar.
///
/// ```swift
/// try CompositeKey<String, String>.encodeColumns(keys, to: encoder)
/// ```
public protocol ColumnarKey: StableHashable {
    static func encodeColumns(_ keys: [Self], to encoder: any Encoder) throws
    static func decodeColumns(from decoder: any Decoder) throws -> [Self]
}

/// A column of keys of a ``ColumnarKey`` type, written as the columns of their fields.
struct KeyColumns<Key: StableHashable>: Codable {
    var keys: [Key]

    init(_ keys: [Key]) {
        self.keys = keys
    }

    /// Whether `Key` writes its keys in columns (else they are written as `[Key]` is).
    static var applies: Bool { Key.self is any ColumnarKey.Type }

    func encode(to encoder: any Encoder) throws {
        let columnar = Key.self as! any ColumnarKey.Type
        try Self.encode(keys, as: columnar, to: encoder)
    }

    init(from decoder: any Decoder) throws {
        let columnar = Key.self as! any ColumnarKey.Type
        keys = try Self.decode(columnar, from: decoder)
    }

    // `Columnar` is `Key` (checked), so their arrays are the same type: no copy, no cast per key.
    private static func encode<Columnar: ColumnarKey>(_ keys: [Key], as type: Columnar.Type, to encoder: any Encoder) throws {
        precondition(Columnar.self == Key.self)
        try Columnar.encodeColumns(unsafeBitCast(keys, to: [Columnar].self), to: encoder)
    }

    private static func decode<Columnar: ColumnarKey>(_ type: Columnar.Type, from decoder: any Decoder) throws -> [Key] {
        precondition(Columnar.self == Key.self)
        return unsafeBitCast(try Columnar.decodeColumns(from: decoder), to: [Key].self)
    }
}

extension CompositeKey: ColumnarKey {
    private enum ColumnNames: String, CodingKey { case firsts, seconds }

    public static func encodeColumns(_ keys: [CompositeKey], to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ColumnNames.self)
        try container.encode(keys.map(\.first), forKey: .firsts)
        try container.encode(keys.map(\.second), forKey: .seconds)
    }

    public static func decodeColumns(from decoder: any Decoder) throws -> [CompositeKey] {
        let container = try decoder.container(keyedBy: ColumnNames.self)
        let firsts = try container.decode([First].self, forKey: .firsts)
        let seconds = try container.decode([Second].self, forKey: .seconds)
        guard firsts.count == seconds.count else {
            throw DecodingError.dataCorruptedError(forKey: .seconds, in: container, debugDescription: "the key columns differ in count")
        }
        return zip(firsts, seconds).map { CompositeKey($0, $1) }
    }
}
