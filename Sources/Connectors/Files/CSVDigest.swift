/// The count and an order-independent fingerprint of a set of lines: two multisets of lines
/// with the same digest are, but for a 64-bit hash collision, the same. What `.csvDigest`
/// sinks keep instead of the lines, so that a benchmark can check a large output without
/// writing or sorting it.
///
/// ```swift
/// var digest = CSVDigest()
/// digest.add("1,2")
/// digest.add("3,4")
/// print(digest)   // rows=2 digest=…
/// ```
public struct CSVDigest: Codable, Sendable, Hashable, CustomStringConvertible {
    public private(set) var rows: Int64 = 0
    /// The wrapping sum of every line's hash, so the order of the lines does not matter.
    public private(set) var sum: UInt64 = 0

    public init() {}

    /// Adds one line (its bytes, without the line break).
    @inlinable
    public mutating func add(line: UnsafeRawBufferPointer) {
        addHash(Self.hash(line))
    }

    /// Adds one line of text (without the line break).
    public mutating func add(_ line: String) {
        var line = line
        line.withUTF8 { add(line: UnsafeRawBufferPointer($0)) }
    }

    /// Adds every line of `bytes`, each ending in a line break.
    public mutating func add(lines bytes: UnsafeRawBufferPointer) {
        let all = bytes.assumingMemoryBound(to: UInt8.self)
        var start = 0
        while start < all.count {
            let end = firstIndex(of: 10, in: all, from: start)
            add(line: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            start = end + 1
        }
    }

    @usableFromInline
    mutating func addHash(_ hash: UInt64) {
        rows += 1
        sum &+= hash
    }

    /// The digest as one line: `rows=N digest=HEX`.
    public var description: String {
        let hex = String(sum, radix: 16)
        return "rows=\(rows) digest=\(String(repeating: "0", count: 16 - hex.count))\(hex)"
    }

    /// Reads back what ``description`` wrote.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 2, parts[0].hasPrefix("rows="), parts[1].hasPrefix("digest="),
              let rows = Int64(parts[0].dropFirst(5)), let sum = UInt64(parts[1].dropFirst(7), radix: 16) else { return nil }
        self.rows = rows
        self.sum = sum
    }

    /// A 64-bit hash of the bytes: eight at a time through a multiply-rotate mix, then a
    /// final avalanche, so that similar lines spread over the whole range.
    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            state = (state ^ (word &* 0xC2B2_AE3D_27D4_EB4F)).rotatedLeft(by: 31) &* 0x9E37_79B9_7F4A_7C15
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        state = (state ^ (tail &* 0xC2B2_AE3D_27D4_EB4F)).rotatedLeft(by: 31) &* 0x9E37_79B9_7F4A_7C15
        state ^= state >> 33
        state &*= 0xFF51_AFD7_ED55_8CCD
        state ^= state >> 33
        state &*= 0xC4CE_B9FE_1A85_EC53
        state ^= state >> 33
        return state
    }
}

extension UInt64 {
    @inlinable
    func rotatedLeft(by bits: UInt64) -> UInt64 { (self << bits) | (self >> (64 - bits)) }
}
