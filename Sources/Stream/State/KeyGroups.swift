/// A key whose hash is the same in every process and on every run, so state stored by key
/// group can be restored elsewhere (Swift's `Hasher` is seeded per process). Keys are
/// `Codable`: state is kept by key, and state goes into checkpoints.
///
/// ```swift
/// "user-42".stableHash   // the same number everywhere
/// ```
public protocol StableHashable: Hashable, Sendable, Codable {
    var stableHash: UInt64 { get }
}

/// FNV-1a over bytes, finished with a 64-bit mix so nearby keys spread over key groups.
@inlinable
func stableHashOfBytes<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return mix(hash)
}

@inlinable
func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
    z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
    return z ^ (z >> 33)
}

extension String: StableHashable {
    @inlinable public var stableHash: UInt64 {
        var copy = self
        return copy.withUTF8 { stableHashOfBytes($0) }
    }
}

extension Int: StableHashable {
    @inlinable public var stableHash: UInt64 { mix(UInt64(bitPattern: Int64(self))) }
}

extension Int64: StableHashable {
    @inlinable public var stableHash: UInt64 { mix(UInt64(bitPattern: self)) }
}

extension Int32: StableHashable {
    @inlinable public var stableHash: UInt64 { mix(UInt64(bitPattern: Int64(self))) }
}

extension UInt64: StableHashable {
    @inlinable public var stableHash: UInt64 { mix(self) }
}

/// Keys are hashed once into a fixed number of key groups; state is kept per key group, and a
/// job restored with another parallelism moves whole key groups between ranges (as in Flink).
///
/// ```swift
/// let groups = KeyGroups(count: 128)
/// groups.group(of: "user-42")          // 0..<128, the same on every run
/// groups.ranges(parallelism: 2)        // [0..<64, 64..<128]
/// ```
public struct KeyGroups: Sendable, Hashable, Codable {
    public let count: Int

    public init(count: Int = 128) {
        precondition(count > 0, "there must be at least one key group")
        self.count = count
    }

    @inlinable
    public func group<Key: StableHashable>(of key: Key) -> Int {
        group(ofHash: key.stableHash)
    }

    /// The key group of a key whose stable hash is `hash`.
    @inlinable
    public func group(ofHash hash: UInt64) -> Int {
        Int(hash % UInt64(count))
    }

    /// For each key group, the index of the range in `ranges` that holds it.
    ///
    /// ```swift
    /// KeyGroups(count: 4).rangeIndexOfGroup(in: [0..<2, 2..<4])   // [0, 0, 1, 1]
    /// ```
    public func rangeIndexOfGroup(in ranges: [Range<Int>]) -> [Int] {
        var indices = [Int](repeating: 0, count: count)
        for (index, range) in ranges.enumerated() { for group in range { indices[group] = index } }
        return indices
    }

    /// Contiguous ranges of key groups, one per parallel instance, sizes differing by at most one.
    public func ranges(parallelism: Int) -> [Range<Int>] {
        let parts = max(1, min(parallelism, count))
        return (0..<parts).map { part in (part * count / parts)..<((part + 1) * count / parts) }
    }
}
