/// A piece of a file that ends at a line break (or at the end of the file): what one decode
/// task works on.
struct LineChunk: Sendable {
    let file: String
    /// Where the chunk starts in the file.
    let offset: Int
    let bytes: [UInt8]
}

/// What decoding a chunk gave: the records, how many lines it held, and the bad lines.
struct DecodedChunk<Value: Sendable>: Sendable {
    struct BadLine: Sendable {
        /// 0-based line within the chunk.
        let line: Int
        let text: String
        let reason: String
    }

    var records: [Value] = []
    var lineCount = 0
    var bad: [BadLine] = []

    /// Decodes every non-empty line of `chunk` with `decode`, collecting bad lines instead of stopping.
    static func decode(_ chunk: LineChunk, _ decode: (UnsafeBufferPointer<UInt8>) throws -> Value) -> DecodedChunk {
        var out = DecodedChunk()
        out.records.reserveCapacity(chunk.bytes.count / 24)
        chunk.bytes.withUnsafeBufferPointer { all in
            var start = 0
            var line = 0
            while start < all.count {
                var end = start
                while end < all.count && all[end] != 10 { end += 1 }
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
