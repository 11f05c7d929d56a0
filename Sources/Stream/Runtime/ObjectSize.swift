/// A value that can say how many bytes it holds, for the object store's accounting.
///
/// Arrays, strings and dictionaries conform; for other types the store counts their inline
/// size. Conform your own large types to make `RuntimeStats.bytesHeld` meaningful:
///
/// ```swift
/// extension Matrix: ByteCountable { var byteCount: Int { rows * columns * 8 } }
/// ```
public protocol ByteCountable {
    /// The bytes this value keeps alive (its heap buffers included).
    var byteCount: Int { get }
}

extension Array: ByteCountable {
    public var byteCount: Int { count * MemoryLayout<Element>.stride }
}

extension ContiguousArray: ByteCountable {
    public var byteCount: Int { count * MemoryLayout<Element>.stride }
}

extension String: ByteCountable {
    public var byteCount: Int { utf8.count }
}

extension Dictionary: ByteCountable {
    public var byteCount: Int { count * (MemoryLayout<Key>.stride + MemoryLayout<Value>.stride) }
}

@usableFromInline
enum ObjectSize {
    /// The bytes `value` holds: its own count when it is ``ByteCountable``, else its inline size.
    @inlinable
    static func of<T>(_ value: T) -> Int {
        // Plain values (no references inside) hold exactly their inline bytes: no cast needed.
        if _isPOD(T.self) { return MemoryLayout<T>.size }
        if let countable = value as? any ByteCountable { return countable.byteCount }
        return MemoryLayout<T>.size
    }
}
