/// The frames between a job and its worker processes: a little-endian `UInt32` length (of what
/// follows it), a kind byte, a `UInt64` task number, then the payload.
///
/// | kind | direction | payload |
/// | --- | --- | --- |
/// | `run` | job → worker | `UInt16` name length, the function's name, the encoded input |
/// | `result` | worker → job | the encoded output |
/// | `failure` | worker → job | the error the function threw, as UTF-8 text |
/// | `unknownFunction` | worker → job | the name the worker has no function for |
///
/// ```swift
/// var bytes: [UInt8] = []
/// WireFrame.append(.result, task: 7, payload: output, to: &bytes)
/// ```
enum WireFrame {
    enum Kind: UInt8 {
        case run = 1
        case result = 2
        case failure = 3
        case unknownFunction = 4
    }

    /// Length, kind and task number.
    static let headerSize = 4 + 1 + 8
    /// Larger frames are refused (a corrupted length must not allocate without bound).
    static let maximumSize = 1 << 30

    static func append(_ kind: Kind, task: UInt64, payload: some Collection<UInt8>, to bytes: inout [UInt8]) {
        appendHeader(kind, task: task, payloadCount: payload.count, to: &bytes)
        bytes.append(contentsOf: payload)
    }

    /// A `run` frame: the function's name, then its encoded input.
    static func appendRun(task: UInt64, function: [UInt8], input: [UInt8], to bytes: inout [UInt8]) {
        appendHeader(.run, task: task, payloadCount: 2 + function.count + input.count, to: &bytes)
        appendInteger(UInt16(function.count), to: &bytes)
        bytes.append(contentsOf: function)
        bytes.append(contentsOf: input)
    }

    private static func appendHeader(_ kind: Kind, task: UInt64, payloadCount: Int, to bytes: inout [UInt8]) {
        appendInteger(UInt32(1 + 8 + payloadCount), to: &bytes)
        bytes.append(kind.rawValue)
        appendInteger(task, to: &bytes)
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// One frame read back: its kind, task number and payload.
struct ReceivedFrame {
    let kind: WireFrame.Kind
    let task: UInt64
    let payload: ArraySlice<UInt8>

    /// A `run` frame's function name and input.
    func runRequest() throws -> (function: String, input: ArraySlice<UInt8>) {
        guard payload.count >= 2 else { throw WireFrameError(message: "a run frame without a function name") }
        let start = payload.startIndex
        let length = Int(payload[start]) | Int(payload[start + 1]) << 8
        guard payload.count >= 2 + length else { throw WireFrameError(message: "a run frame cut short in its function name") }
        let name = String(decoding: payload[(start + 2)..<(start + 2 + length)], as: UTF8.self)
        return (name, payload[(start + 2 + length)...])
    }
}

/// A frame that cannot be read: the other side is not speaking this protocol, or lost bytes.
struct WireFrameError: Error, CustomStringConvertible {
    let message: String
    var description: String { "worker protocol: \(message)" }
}

/// Bytes read from a socket, cut into whole frames; a partial frame waits for the next read.
///
/// ```swift
/// var reader = FrameReader()
/// reader.append(received)
/// while let frame = try reader.next() { handle(frame) }
/// ```
struct FrameReader {
    private var buffer: [UInt8] = []
    private var start = 0

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 65_536 && start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame, or nil until more bytes come.
    mutating func next() throws -> ReceivedFrame? {
        let available = buffer.count - start
        guard available >= WireFrame.headerSize else { return nil }
        let length = buffer.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: start, as: UInt32.self))) }
        guard length >= 9, length <= WireFrame.maximumSize else { throw WireFrameError(message: "a frame of \(length) bytes") }
        guard available >= 4 + length else { return nil }
        guard let kind = WireFrame.Kind(rawValue: buffer[start + 4]) else {
            throw WireFrameError(message: "an unknown frame kind \(buffer[start + 4])")
        }
        let task = buffer.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: start + 5, as: UInt64.self)) }
        let frame = ReceivedFrame(kind: kind, task: task, payload: buffer[(start + WireFrame.headerSize)..<(start + 4 + length)])
        start += 4 + length
        return frame
    }
}
