/// A record that writes itself in a compact binary form: what an isolated step sends to its
/// worker processes when the record conforms (otherwise its `Codable` form, which is general
/// but costs several times more per record). Write the fields in a fixed order and read them
/// back in the same order.
///
/// ```swift
/// extension Click: BinaryRecord {
///     public func write(to writer: inout BinaryWriter) { writer.write(time); writer.write(user) }
///     public init(from reader: inout BinaryReader) throws { time = try reader.readInt64(); user = try reader.readString() }
/// }
/// ```
public protocol BinaryRecord: Sendable {
    func write(to writer: inout BinaryWriter)
    init(from reader: inout BinaryReader) throws
}

/// Appends fixed-width little-endian numbers and length-prefixed strings to a byte array.
public struct BinaryWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable public mutating func write(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    @inlinable public mutating func write(_ value: Int) { write(Int64(value)) }
    @inlinable public mutating func write(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    @inlinable public mutating func write(_ value: Double) { write(Int64(bitPattern: value.bitPattern)) }
    @inlinable public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    @inlinable
    public mutating func write(_ value: String) {
        var text = value
        text.withUTF8 { utf8 in
            write(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
}

/// Reads what a ``BinaryWriter`` wrote, in the same order; throws when the bytes run out.
public struct BinaryReader: Sendable {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= bytes.count }

    @inlinable
    mutating func take(_ count: Int) throws -> Int {
        guard count >= 0, offset + count <= bytes.count else { throw BinaryRecordError(offset: offset, wanted: count) }
        defer { offset += count }
        return offset
    }

    @inlinable
    public mutating func readInt64() throws -> Int64 {
        let at = try take(8)
        return bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: Int64.self)) }
    }

    @inlinable public mutating func readInt() throws -> Int { Int(try readInt64()) }

    /// A count of items of `size` bytes each that must all still be there (so a damaged count
    /// throws instead of reserving room for billions).
    @inlinable
    public mutating func readCount(ofItemsSized size: Int) throws -> Int {
        let count = try readInt()
        guard count >= 0, count <= (bytes.count - offset) / max(1, size) else { throw BinaryRecordError(offset: offset, wanted: count &* size) }
        return count
    }
    @inlinable public mutating func readDouble() throws -> Double { Double(bitPattern: UInt64(bitPattern: try readInt64())) }
    @inlinable public mutating func readBool() throws -> Bool { bytes[try take(1)] != 0 }

    @inlinable
    public mutating func readUInt32() throws -> UInt32 {
        let at = try take(4)
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    }

    @inlinable
    public mutating func readString() throws -> String {
        let count = Int(try readUInt32())
        let at = try take(count)
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[at..<(at + count)]), as: UTF8.self) }
    }
}

/// Bytes that end before a record does.
public struct BinaryRecordError: Error, CustomStringConvertible {
    public let offset: Int
    public let wanted: Int

    @usableFromInline
    init(offset: Int, wanted: Int) {
        self.offset = offset
        self.wanted = wanted
    }

    public var description: String { "binary record: \(wanted) more bytes wanted at offset \(offset), past the end" }
}
