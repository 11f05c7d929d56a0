import Foundation

/// The index of the first `byte` in `bytes` at or after `start`, or `bytes.count` if there is
/// none: `memchr`, which scans many bytes per instruction, for the line and field splitters.
@usableFromInline
func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    guard start < bytes.count, let base = bytes.baseAddress else { return bytes.count }
    guard let found = memchr(base + start, Int32(byte), bytes.count - start) else { return bytes.count }
    return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
}
