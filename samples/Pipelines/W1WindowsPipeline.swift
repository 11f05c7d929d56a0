public import Connectors
public import Operators

/// One window's result as a CSV row: window end, key, count, sum.
public struct KeyCountRow: CSVEncodable, Sendable, Equatable {
    public var windowEnd: Int64
    public var key: String
    public var count: Int
    public var sum: Int64

    public func encode(csv line: inout CSVLine) {
        line.append(windowEnd)
        line.append(key)
        line.append(Int64(count))
        line.append(sum)
    }
}

extension Pipelines {
    /// W1 as a pipeline: `ts_ms,key,value` CSV files counted and summed per key per window,
    /// with late records kept in their own file. Settings:
    ///
    /// - `input`: a file, directory or glob; without it, `events` (1,000,000) W1 events generated in memory;
    /// - `output`: the results file (default `out/w1-windows.csv`; late records go to `<output>.late`);
    /// - `window-ms` (1000), `delay-ms` (2000): window length and allowed disorder;
    /// - `chunk-bytes` (1 MiB): how much of a file one batch reads;
    /// - `follow` (false): keep reading what is appended, and new files, until stopped;
    /// - `bad-records`: a dead-letter file for lines that are not events (without it, such a line stops the job).
    public static let w1Windows = Pipeline("w1-windows", "W1 events (CSV files) counted and summed per key per second, exactly once", settings: [
        .string("input", help: "a file, directory or glob of ts_ms,key,value lines; without it, events are generated"),
        .int("events", default: 1_000_000, help: "how many events to generate without input"),
        .string("output", default: "out/w1-windows.csv", help: "the results; late records go to <output>.late"),
        .int("window-ms", default: 1000, help: "window length"),
        .int("delay-ms", default: 2000, help: "allowed disorder"),
        .int("chunk-bytes", default: 1 << 20, help: "how much of a file one batch reads"),
        .bool("follow", default: false, help: "keep reading what is appended, and new files, until stopped"),
        .string("bad-records", help: "a dead-letter file for lines that are not events (without it, one stops the job)"),
        .choice("decode", among: ["source", "step", "isolated"], default: "source",
                help: "where numbers are parsed: in the file source; in a map step after it; in that step isolated in worker processes"),
    ]) { settings in
        let input = settings.values["input"]
        let generated = try settings.int("events", default: 1_000_000)
        let output = settings.string("output", default: "out/w1-windows.csv")
        let window = try settings.int("window-ms", default: 1000)
        let delay = try settings.int("delay-ms", default: 2000)
        let chunkBytes = try settings.int("chunk-bytes", default: 1 << 20)
        let follow = try settings.bool("follow", default: false)
        let badRecords: BadRecordPolicy = settings.values["bad-records"].map { .deadLetter(path: $0) } ?? .fail
        let decode = try settings.choice("decode", among: ["source", "step", "isolated"], default: "source")
        let job = Job("w1-windows")
        let events: DataStream<W1Event>
        if decode == "source" || input == nil {
            let source: Source<W1Event> = input.map {
                .csvFile($0, as: W1Event.self, onBadRecord: badRecords, follow: follow, pollInterval: .milliseconds(50), chunkBytes: chunkBytes)
            } ?? .w1Events(count: generated)
            events = job.source("events", source)
        } else {
            // The lines cut into text fields by the source; the numbers parsed by a step.
            let fields = job.source("events", .csvFile(input!, as: W1Fields.self, onBadRecord: badRecords, follow: follow,
                                                       pollInterval: .milliseconds(50), chunkBytes: chunkBytes))
            let parsed = fields.map { try $0.event() }
            events = decode == "isolated" ? parsed.isolated("decode") : parsed
        }
        let counted = events
            .eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.milliseconds(Int64(delay))))
            .keyed(by: \.key)
            .window("per-window", .tumbling(.milliseconds(Int64(window))))
            .aggregate(.count(), .sum(\.value))
        counted.results
            .map { KeyCountRow(windowEnd: $0.window.end, key: $0.key, count: $0.value.0, sum: $0.value.1) }
            .sink("counts", .csvFile(output))
        counted.late.sink("late", .csvFile(output + ".late"))
        return job
    }
}

/// A W1 line cut into its three fields, not yet parsed: what the `decode` step of `w1-windows`
/// turns into a ``W1Event`` when the source does not.
public struct W1Fields: CSVDecodable, Codable, BinaryRecord, Sendable {
    public var timestamp: String
    public var key: String
    public var value: String

    public init(csv row: CSVRow) throws {
        timestamp = try row.string(0)
        key = try row.string(1)
        value = try row.string(2)
    }

    public func write(to writer: inout BinaryWriter) {
        writer.write(timestamp)
        writer.write(key)
        writer.write(value)
    }

    public init(from reader: inout BinaryReader) throws {
        timestamp = try reader.readString()
        key = try reader.readString()
        value = try reader.readString()
    }

    /// The event, or an error naming the field that is not a number.
    public func event() throws -> W1Event {
        guard let time = Int64(timestamp) else { throw W1FieldError(field: "ts_ms", text: timestamp) }
        guard let number = Int64(value) else { throw W1FieldError(field: "value", text: value) }
        return W1Event(timestamp: time, key: key, value: number)
    }
}

public struct W1FieldError: Error, CustomStringConvertible {
    public let field: String
    public let text: String
    public var description: String { "\(field) is not a whole number: '\(text)'" }
}

/// The pipelines that ship with the engine: what `stream-job pipelines` lists.
public enum Pipelines {
    public static var all: [Pipeline] { [clickstream, w1Windows, ordersPayments, nexmarkQ0, nexmarkQ1, nexmarkQ2, nexmarkQ3, nexmarkQ4, nexmarkQ5, nexmarkQ7, nexmarkQ8, nexmarkQ11, isolatedScores] }
}
