/// A key of two fields, for a keyed step keyed by both: no string built per record, and two
/// short strings (up to 15 bytes each) are hashed and compared in place, where a joined string
/// of more than 15 bytes is allocated, hashed and compared byte by byte.
///
/// ```swift
/// clicks.keyed(by: { CompositeKey($0.user, $0.page) }).dedupe("first-visits", within: .seconds(60))
/// ```
public struct CompositeKey<First: StableHashable, Second: StableHashable>: StableHashable, CustomStringConvertible {
    public var first: First
    public var second: Second

    @inlinable
    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    /// The two fields' stable hashes combined (in order: (a, b) and (b, a) differ).
    @inlinable
    public var stableHash: UInt64 {
        mix(first.stableHash &* 0x0000_0100_0000_01B3 ^ second.stableHash)
    }

    public var description: String { "(\(first), \(second))" }
}
