import Stream

/// A record type written as CSV lines.
///
/// ```swift
/// struct Row: CSVEncodable {
///     var start: Int64, key: String, count: Int
///     func encode(csv line: inout CSVLine) { line.append(start); line.append(key); line.append(count) }
/// }
/// ```
public protocol CSVEncodable: Sendable {
    func encode(csv line: inout CSVLine)
}

extension CSVEncodable {
    /// Appends this record as one CSV line, ending in a line break, to `bytes` (in place:
    /// the buffer is moved into the line and back, never copied).
    ///
    /// ```swift
    /// var buffer: [UInt8] = []
    /// for row in rows { row.appendCSVLine(to: &buffer) }
    /// ```
    public func appendCSVLine(to bytes: inout [UInt8]) {
        var line = CSVLine(into: [])
        swap(&line.bytes, &bytes)
        encode(csv: &line)
        swap(&line.bytes, &bytes)
        bytes.append(10)
    }
}

/// One CSV line being written; fields are separated and quoted as needed.
public struct CSVLine {
    var bytes: [UInt8]
    private var fields = 0

    init(into bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func separate() {
        if fields > 0 { bytes.append(UInt8(ascii: ",")) }
        fields += 1
    }

    public mutating func append(_ value: Int64) {
        separate()
        appendDigits(value)
    }

    public mutating func append(_ value: Int) { append(Int64(value)) }

    public mutating func append(_ value: Double) {
        separate()
        bytes.append(contentsOf: "\(value)".utf8)
    }

    /// Appends text, quoted if it holds a comma, a quote or a line break.
    public mutating func append(_ value: String) {
        separate()
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { appendText($0) }
        if done == nil {
            var copy = value
            copy.withUTF8 { appendText($0) }
        }
    }

    private mutating func appendText(_ utf8: UnsafeBufferPointer<UInt8>) {
        let needsQuotes = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        if !needsQuotes {
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in utf8 {
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendDigits(_ value: Int64) {
        // Digits are written from the back of a 24-byte stack buffer, then appended at once.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var magnitude = value.magnitude
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(truncatingIfNeeded: 48 &+ magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }
}
