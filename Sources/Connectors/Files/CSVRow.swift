import Stream

/// A record type read from CSV lines, field by field, without copying the line.
///
/// ```swift
/// struct Click: CSVDecodable {
///     var timestamp: Int64, user: String, amount: Int64
///     init(csv row: CSVRow) throws {
///         self.init(timestamp: try row.int64(0), user: try row.string(1), amount: try row.int64(2))
///     }
/// }
/// ```
///
/// Calling the memberwise initializer, as above, is faster than assigning the fields one by one
/// after `try`s: that makes the optimizer copy the half-built record (a retain per text field).
public protocol CSVDecodable: Sendable {
    init(csv row: CSVRow) throws
}

/// A CSV line being decoded: fields by index, read straight from the line's bytes. Quoted
/// fields (`"a,b"`, with `""` for a quote) are supported. Valid only inside `init(csv:)`.
public struct CSVRow {
    @usableFromInline let line: UnsafeBufferPointer<UInt8>
    /// Start and end (exclusive) of each field within `line`.
    @usableFromInline let bounds: UnsafeBufferPointer<(start: Int32, end: Int32)>

    @inlinable
    init(line: UnsafeBufferPointer<UInt8>, bounds: UnsafeBufferPointer<(start: Int32, end: Int32)>) {
        self.line = line
        self.bounds = bounds
    }

    /// How many fields the line has.
    public var count: Int { bounds.count }

    /// The field's bytes as written (quotes included, for a quoted field).
    func raw(_ index: Int) throws -> UnsafeBufferPointer<UInt8> {
        guard index < bounds.count else {
            throw CSVFieldError("expected at least \(index + 1) fields, found \(bounds.count)")
        }
        let (start, end) = bounds[index]
        return UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)])
    }

    /// The field as a whole number.
    public func int64(_ index: Int) throws -> Int64 {
        let bytes = try raw(index)
        guard let value = parseInt64(bytes) else {
            throw CSVFieldError("expected an integer in field \(index + 1), found \"\(String(decoding: bytes, as: UTF8.self))\"")
        }
        return value
    }

    public func int(_ index: Int) throws -> Int { Int(try int64(index)) }

    /// The field as a floating-point number.
    public func double(_ index: Int) throws -> Double {
        let bytes = try raw(index)
        guard let value = Double(String(decoding: bytes, as: UTF8.self)) else {
            throw CSVFieldError("expected a number in field \(index + 1), found \"\(String(decoding: bytes, as: UTF8.self))\"")
        }
        return value
    }

    /// The field as text (unquoted).
    public func string(_ index: Int) throws -> String {
        let bytes = try raw(index)
        if bytes.first == UInt8(ascii: "\"") { return unquote(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func unquote(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 1
        while index < bytes.count - 1 {
            let byte = bytes[index]
            out.append(byte)
            index += byte == UInt8(ascii: "\"") ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A field that does not hold what the record type expects.
public struct CSVFieldError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Parses an optionally signed decimal integer; nil if the bytes are anything else or overflow.
@inline(__always)
func parseInt64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard !bytes.isEmpty else { return nil }
    var index = 0
    var negative = false
    if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
        negative = bytes[0] == UInt8(ascii: "-")
        index = 1
        guard bytes.count > 1 else { return nil }
    }
    // Up to 18 digits cannot overflow: the common case runs without the overflow checks.
    if bytes.count - index <= 18 {
        var value: Int64 = 0
        while index < bytes.count {
            let digit = Int64(bytes[index]) &- 48
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value &* 10 &+ digit
            index += 1
        }
        return negative ? -value : value
    }
    var value: Int64 = 0
    while index < bytes.count {
        let digit = Int64(bytes[index]) &- 48
        guard digit >= 0 && digit <= 9 else { return nil }
        let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
        guard !overflow1 && !overflow2 else { return nil }
        value = sum
        index += 1
    }
    return value
}

/// Splits lines into fields, reusing one buffer of field bounds. One per decode task.
@usableFromInline
final class CSVFieldSplitter {
    @usableFromInline var bounds: UnsafeMutableBufferPointer<(start: Int32, end: Int32)>

    @usableFromInline
    init() {
        bounds = .allocate(capacity: 64)
    }

    deinit { bounds.deallocate() }

    /// Calls `body` with the line's row; nil if a quote is not closed.
    @inlinable
    func withRow<T>(_ line: UnsafeBufferPointer<UInt8>, _ body: (CSVRow) throws -> T) throws -> T? {
        var count = 0
        var start = 0
        var index = 0
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\"")
        while true {
            if index < line.count && line[index] == quote && index == start {
                index += 1
                var closed = false
                while index < line.count {
                    if line[index] == quote {
                        if index + 1 < line.count && line[index + 1] == quote { index += 2; continue }
                        index += 1
                        closed = true
                        break
                    }
                    index += 1
                }
                if !closed { return nil }
            }
            index = firstIndex(of: comma, in: line, from: index)
            if count == bounds.count { grow() }
            bounds[count] = (Int32(start), Int32(index))
            count += 1
            if index >= line.count { break }
            index += 1
            start = index
        }
        return try body(CSVRow(line: line, bounds: UnsafeBufferPointer(rebasing: bounds[0..<count])))
    }

    @usableFromInline
    func grow() {
        let larger = UnsafeMutableBufferPointer<(start: Int32, end: Int32)>.allocate(capacity: bounds.count * 2)
        _ = larger.initialize(fromContentsOf: bounds)
        bounds.deallocate()
        bounds = larger
    }
}
