/// Reads JSON text in place: skips values, lists an object's members, and parses strings and
/// numbers straight from the bytes. No tree is built; positions are byte offsets into the text.
/// What ``JSONRecordDecoder`` decodes with.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// A problem in the text, at a byte offset.
    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "malformed JSON at byte \(offset): \(reason)" }
    }

    /// One member of an object: its name (between the quotes, as written) and where its value starts.
    struct Member {
        var nameStart: Int
        var nameEnd: Int
        var nameIsPlain: Bool
        var valueStart: Int
    }

    /// The first offset at or after `offset` that is not white space.
    func skipSpace(_ offset: Int) -> Int {
        var index = offset
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return index
            }
        }
        return index
    }

    func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    /// Where the value that starts at `offset` ends.
    func skipValue(_ offset: Int) throws -> Int {
        guard let first = byte(at: offset) else { throw Malformed(offset: offset, reason: "a value was expected") }
        switch first {
        case UInt8(ascii: "\""):
            return try stringEnd(offset)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            // Count brackets; strings are skipped whole, so the brackets inside them do not count.
            var depth = 0
            var index = offset
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = try stringEnd(index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            throw Malformed(offset: offset, reason: "an object or array is not closed")
        case UInt8(ascii: "t"): return try literal("true", at: offset)
        case UInt8(ascii: "f"): return try literal("false", at: offset)
        case UInt8(ascii: "n"): return try literal("null", at: offset)
        default:
            let end = numberEnd(offset)
            guard end > offset else { throw Malformed(offset: offset, reason: "unexpected \(describe(first))") }
            return end
        }
    }

    /// Where the run of number characters that starts at `offset` ends.
    func numberEnd(_ offset: Int) -> Int {
        var index = offset
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                 UInt8(ascii: "e"), UInt8(ascii: "E"): index += 1
            default: return index
            }
        }
        return index
    }

    /// The end of `word` written at `offset`, or an error if something else is there.
    func literal(_ word: StaticString, at offset: Int) throws -> Int {
        let length = word.utf8CodeUnitCount
        guard offset + length <= bytes.count else { throw Malformed(offset: offset, reason: "unexpected end of the text") }
        for index in 0..<length where bytes[offset + index] != word.utf8Start[index] {
            throw Malformed(offset: offset, reason: "\(word) was expected")
        }
        return offset + length
    }

    /// The offset just past the closing quote of the string that starts at `offset`.
    func stringEnd(_ offset: Int) throws -> Int {
        var index = offset + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""): return index + 1
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
        throw Malformed(offset: offset, reason: "a string is not closed")
    }

    /// The members of the object that starts at `offset`, in order, appended to `members`;
    /// returns where the object ends.
    func members(ofObjectAt offset: Int, into members: inout [Member]) throws -> Int {
        var index = skipSpace(offset + 1)
        if byte(at: index) == UInt8(ascii: "}") { return index + 1 }
        while true {
            guard byte(at: index) == UInt8(ascii: "\"") else { throw Malformed(offset: index, reason: "a member name was expected") }
            let nameEnd = try stringEnd(index)
            var plain = true
            for position in (index + 1)..<(nameEnd - 1) where bytes[position] == UInt8(ascii: "\\") {
                plain = false
                break
            }
            let colon = skipSpace(nameEnd)
            guard byte(at: colon) == UInt8(ascii: ":") else { throw Malformed(offset: colon, reason: "\":\" was expected") }
            let valueStart = skipSpace(colon + 1)
            members.append(Member(nameStart: index + 1, nameEnd: nameEnd - 1, nameIsPlain: plain, valueStart: valueStart))
            index = skipSpace(try skipValue(valueStart))
            switch byte(at: index) {
            case UInt8(ascii: ","): index = skipSpace(index + 1)
            case UInt8(ascii: "}"): return index + 1
            default: throw Malformed(offset: index, reason: "\",\" or \"}\" was expected")
            }
        }
    }

    /// The string that starts at `offset` (its quote), unescaped.
    func string(at offset: Int) throws -> String {
        guard byte(at: offset) == UInt8(ascii: "\"") else { throw Malformed(offset: offset, reason: "a string was expected") }
        let end = try stringEnd(offset)
        return try text(from: offset + 1, to: end - 1)
    }

    /// The characters between `start` and `end` (inside quotes), unescaped.
    func text(from start: Int, to end: Int) throws -> String {
        var index = start
        while index < end && bytes[index] != UInt8(ascii: "\\") { index += 1 }
        if index == end { return try validated(UnsafeBufferPointer(rebasing: bytes[start..<end]), at: start) }
        var out: [UInt8] = Array(bytes[start..<index])
        out.reserveCapacity(end - start)
        while index < end {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < end else { throw Malformed(offset: index, reason: "an escape is cut short") }
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: index, before: end)
                index += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low one.
                    guard index + 6 <= end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw Malformed(offset: index, reason: "a lone surrogate")
                    }
                    let low = try hex4(at: index + 2, before: end)
                    guard (0xDC00..<0xE000).contains(low) else { throw Malformed(offset: index, reason: "a lone surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw Malformed(offset: index, reason: "a lone surrogate")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw Malformed(offset: index, reason: "not a Unicode scalar") }
                UTF8.encode(unicode) { out.append($0) }
            default:
                throw Malformed(offset: index - 2, reason: "unknown escape \\\(describe(escaped))")
            }
        }
        return try out.withUnsafeBufferPointer { try validated($0, at: start) }
    }

    /// The bytes as a string; an error if they are not valid UTF-8. ASCII, the common case, is
    /// checked here (the standard library's validation is generic and slower).
    func validated(_ utf8: UnsafeBufferPointer<UInt8>, at offset: Int) throws -> String {
        var ascii = true
        for byte in utf8 where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: utf8, as: UTF8.self) }
        guard let text = String(validating: utf8, as: UTF8.self) else { throw Malformed(offset: offset, reason: "a string is not valid UTF-8") }
        return text
    }

    func hex4(at offset: Int, before end: Int) throws -> UInt32 {
        guard offset + 4 <= end else { throw Malformed(offset: offset, reason: "\\u needs four hex digits") }
        var value: UInt32 = 0
        for index in offset..<(offset + 4) {
            let digit: UInt32
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(bytes[index] - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(bytes[index] - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(bytes[index] - UInt8(ascii: "A") + 10)
            default: throw Malformed(offset: index, reason: "\\u needs four hex digits")
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Whether the member's name is `name`.
    func name(of member: Member, is name: String) -> Bool {
        guard member.nameIsPlain else { return (try? text(from: member.nameStart, to: member.nameEnd)) == name }
        let length = member.nameEnd - member.nameStart
        guard name.utf8.count == length else { return false }
        var name = name
        return name.withUTF8 { utf8 in length == 0 || memoryEquals(utf8.baseAddress!, bytes.baseAddress! + member.nameStart, length) }
    }

    /// The number that starts at `offset` as a whole number, if it is written as one (an
    /// optional minus and digits) and fits in 64 bits; nil if it has a fraction or an exponent.
    func integer(at offset: Int) throws -> (value: Int64?, end: Int) {
        let end = numberEnd(offset)
        guard end > offset else { throw Malformed(offset: offset, reason: "a number was expected") }
        var index = offset
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < end else { throw Malformed(offset: offset, reason: "a number was expected") }
        var magnitude: UInt64 = 0
        while index < end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { return (nil, end) }
            let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
            guard !overflow1 && !overflow2 else { return (nil, end) }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return (nil, end) }
            return (magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude), end)
        }
        guard magnitude <= UInt64(Int64.max) else { return (nil, end) }
        return (Int64(magnitude), end)
    }

    /// The number that starts at `offset`, as JSON writes it (no leading "+", no "NaN").
    func double(at offset: Int) throws -> Double {
        let end = numberEnd(offset)
        guard end > offset, bytes[offset] != UInt8(ascii: "+"),
              let value = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)),
              value.isFinite else {
            throw Malformed(offset: offset, reason: "a number was expected")
        }
        return value
    }

    /// The number's text as written, for types that parse it themselves (Decimal).
    func numberText(at offset: Int) throws -> String {
        let end = numberEnd(offset)
        guard end > offset else { throw Malformed(offset: offset, reason: "a number was expected") }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)
    }

    func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "\"\(Character(UnicodeScalar(byte)))\"" : "byte 0x\(String(byte, radix: 16))"
    }
}

/// `memcmp(a, b, count) == 0`, without importing the C library into every file.
func memoryEquals(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for index in 0..<count where a[index] != b[index] { return false }
    return true
}
