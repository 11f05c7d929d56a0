import Foundation
public import Stream

extension Sink {
    /// Writes CSV lines to a file (created, with its directory, or replaced).
    ///
    /// ```swift
    /// rows.sink("out", .csvFile("out/counts.csv"))
    /// ```
    public static func csvFile(_ path: String) -> Sink<Value> where Value: CSVEncodable {
        Sink("CSV file \(path)") { context in
            try FileSinkWriter<Value>(path: path, step: context.stepID) { batch, bytes in
                for value in batch.values { value.appendCSVLine(to: &bytes) }
            }
        }
    }

    /// Writes JSON lines (one JSON object a line) to a file.
    public static func jsonLinesFile(_ path: String) -> Sink<Value> where Value: Encodable {
        Sink("JSON lines file \(path)") { context in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try FileSinkWriter<Value>(path: path, step: context.stepID) { batch, bytes in
                for value in batch.values {
                    bytes.append(contentsOf: try encoder.encode(value))
                    bytes.append(10)
                }
            }
        }
    }

    /// Prints each record's description on standard output, one a line.
    public static func stdout() -> Sink<Value> {
        Sink("standard output") { _ in StdoutWriter<Value>() }
    }
}

/// Writes formatted batches to a file: one write per batch, flushed and closed at the end.
///
/// `@unchecked Sendable` is safe: the job's driver calls it one call at a time.
final class FileSinkWriter<Value: Sendable>: SinkWriter, @unchecked Sendable {
    private let handle: FileHandle
    private let path: String
    private let step: String
    private let format: (RecordBatch<Value>, inout [UInt8]) throws -> Void
    private var buffer: [UInt8] = []

    init(path: String, step: String, format: @escaping (RecordBatch<Value>, inout [UInt8]) throws -> Void) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        } catch {
            throw StreamError(.io, step: step, action: "create directory", position: directory, message: "\(error)")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw StreamError(.io, step: step, action: "open", position: path, message: "cannot create the file")
        }
        self.handle = handle
        self.path = path
        self.step = step
        self.format = format
    }

    func write(_ batch: RecordBatch<Value>) async throws {
        buffer.removeAll(keepingCapacity: true)
        try format(batch, &buffer)
        do {
            try buffer.withUnsafeBytes { try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0.baseAddress!), count: $0.count, deallocator: .none)) }
        } catch {
            throw StreamError(.io, step: step, action: "write", position: path, message: "\(error)", isRetryable: true)
        }
    }

    func close() async throws {
        try handle.synchronize()
        try handle.close()
    }
}

/// Prints records, one a line.
final class StdoutWriter<Value: Sendable>: SinkWriter {
    func write(_ batch: RecordBatch<Value>) async throws {
        var text = ""
        for value in batch.values {
            text += (value as? any CustomStringConvertible)?.description ?? "\(value)"
            text += "\n"
        }
        print(text, terminator: "")
    }

    func close() async throws {}
}
