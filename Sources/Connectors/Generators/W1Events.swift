import Foundation
public import Stream

/// One event of the W1 benchmark: `ts_ms,key,value` (see shared BENCHMARKS.md).
public struct W1Event: Sendable, Hashable, Codable, BinaryRecord, CSVDecodable, CSVEncodable {
    public var timestamp: Int64
    public var key: String
    public var value: Int64

    public init(timestamp: Int64, key: String, value: Int64) {
        self.timestamp = timestamp
        self.key = key
        self.value = value
    }

    public init(csv row: CSVRow) throws {
        timestamp = try row.int64(0)
        key = try row.string(1)
        value = try row.int64(2)
    }

    public func encode(csv line: inout CSVLine) {
        line.append(timestamp)
        line.append(key)
        line.append(value)
    }

    public func write(to writer: inout BinaryWriter) {
        writer.write(timestamp)
        writer.write(key)
        writer.write(value)
    }

    public init(from reader: inout BinaryReader) throws {
        timestamp = try reader.readInt64()
        key = try reader.readString()
        value = try reader.readInt64()
    }
}

/// The W1 events, deterministic from a seed: event `i` has time
/// `1700000000000 + floor(i * 1000 / 100000) - jitter` (jitter uniform in 0...2000 ms), a key
/// `k00000`…`k09999` and a value in 1...1000, all uniform.
///
/// ```swift
/// var events = W1Generator(seed: 42)
/// let first = events.next()   // W1Event(timestamp: 1699999998…, key: "k0…", value: …)
/// ```
public struct W1Generator: Sendable {
    public static let base: Int64 = 1_700_000_000_000
    public static let eventsPerSecond: Int64 = 100_000
    public static let maxJitter: UInt64 = 2000
    public static let keys: UInt64 = 10_000

    private var random: SeededRandom
    public private(set) var index: Int64 = 0

    public init(seed: UInt64 = 42) {
        random = SeededRandom(seed: seed)
    }

    public mutating func next() -> W1Event {
        let jitter = Int64(random.next() % (Self.maxJitter + 1))
        let key = Int(random.next() % Self.keys)
        let value = Int64(random.next() % 1000) + 1
        defer { index += 1 }
        return W1Event(timestamp: Self.base + index * 1000 / Self.eventsPerSecond - jitter,
                       key: Self.keyName(key), value: value)
    }

    /// `k` and five digits.
    public static func keyName(_ key: Int) -> String {
        var digits = String(key)
        while digits.count < 5 { digits = "0" + digits }
        return "k" + digits
    }

    /// Writes `count` events as CSV to `path` (creating its directory).
    public static func writeCSV(count: Int, seed: UInt64 = 42, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        var generator = W1Generator(seed: seed)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 22)
        for _ in 0..<count {
            generator.next().appendCSVLine(to: &buffer)
            if buffer.count >= 1 << 22 {
                try handle.write(contentsOf: Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: Data(buffer))
        try handle.close()
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }
}

extension Source where Value == W1Event {
    /// `count` W1 events generated in memory (no file), in batches.
    ///
    /// ```swift
    /// job.source("events", .w1Events(count: 1_000_000))
    /// ```
    public static func w1Events(count: Int, seed: UInt64 = 42, batchSize: Int = 32_768) -> Source<W1Event> {
        Source("\(count) generated W1 events") { context in
            let reader = W1Reader(count: count, seed: seed, batchSize: batchSize)
            if let position = context.restoredPosition {
                guard let index = Int(position), index >= 0, index <= count else {
                    throw StreamError(.stateful, step: context.stepID, action: "restore", position: position, message: "not a W1 event index")
                }
                reader.skip(index)
            }
            return reader
        }
    }
}

/// `@unchecked Sendable` is safe: the job's driver calls `next()` one call at a time.
final class W1Reader: SourceReader, @unchecked Sendable {
    private var generator: W1Generator
    private let count: Int
    private let batchSize: Int

    init(count: Int, seed: UInt64, batchSize: Int) {
        generator = W1Generator(seed: seed)
        self.count = count
        self.batchSize = max(1, batchSize)
    }

    /// How many events were returned: the index of the next.
    var position: String? { String(generator.index) }

    /// Moves on to event `index` (regenerating the ones before it, which the sequence depends on).
    func skip(_ index: Int) {
        while generator.index < index { _ = generator.next() }
    }

    func next() async throws -> RecordBatch<W1Event>? {
        let remaining = count - Int(generator.index)
        guard remaining > 0 else { return nil }
        var values: [W1Event] = []
        values.reserveCapacity(min(batchSize, remaining))
        for _ in 0..<min(batchSize, remaining) { values.append(generator.next()) }
        return RecordBatch(values: values)
    }
}
