/// A piece of a file that ends at a line break (or at the end of the file): what one decode
/// task works on.
@usableFromInline
struct LineChunk: Sendable {
    @usableFromInline let file: String
    /// Where the chunk starts in the file.
    @usableFromInline let offset: Int
    @usableFromInline let bytes: [UInt8]
}

/// What decoding a chunk gave: the records, how many lines it held, and the bad lines.
@usableFromInline
struct DecodedChunk<Value: Sendable>: Sendable {
    @usableFromInline
    struct BadLine: Sendable {
        /// 0-based line within the chunk.
        @usableFromInline let line: Int
        @usableFromInline let text: String
        @usableFromInline let reason: String

        @inlinable init(line: Int, text: String, reason: String) {
            self.line = line
            self.text = text
            self.reason = reason
        }
    }

    @usableFromInline var records: [Value] = []
    @usableFromInline var lineCount = 0
    @usableFromInline var bad: [BadLine] = []

    @inlinable init() {}

    /// Decodes every non-empty line of `chunk` with `decode`, collecting bad lines instead of stopping.
    @inlinable
    static func decode(_ chunk: LineChunk, _ decode: (UnsafeBufferPointer<UInt8>) throws -> Value) -> DecodedChunk {
        var out = DecodedChunk()
        out.records.reserveCapacity(chunk.bytes.count / 24)
        chunk.bytes.withUnsafeBufferPointer { all in
            var start = 0
            var line = 0
            while start < all.count {
                let end = firstIndex(of: 10, in: all, from: start)
                var last = end
                if last > start && all[last - 1] == 13 { last -= 1 }
                if last > start {
                    let text = UnsafeBufferPointer(rebasing: all[start..<last])
                    do {
                        out.records.append(try decode(text))
                    } catch {
                        out.bad.append(BadLine(line: line, text: String(decoding: text, as: UTF8.self), reason: "\(error)"))
                    }
                }
                line += 1
                start = end + 1
            }
            out.lineCount = line
        }
        return out
    }
}
