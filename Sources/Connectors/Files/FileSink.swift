import Foundation
public import Stream

extension Sink {
    /// Writes CSV lines to a file (created, with its directory, or replaced).
    ///
    /// When the job takes checkpoints, output is exactly once: it is staged and appended to the
    /// file when the checkpoint covering it completes (see ``TransactionalFile``). In a replay
    /// it goes to a file of the same name in the replay's output directory.
    ///
    /// ```swift
    /// rows.sink("out", .csvFile("out/counts.csv"))
    /// ```
    public static func csvFile(_ path: String) -> Sink<Value> where Value: CSVEncodable {
        Sink("CSV file \(path)", writesFile: FileList.absolute(path)) { context in
            try FileSinkWriter<Value>(path: path, context: context) { batch, bytes in
                for value in batch.values { value.appendCSVLine(to: &bytes) }
            }
        }
    }

    /// Writes JSON lines (one JSON object a line) to a file.
    public static func jsonLinesFile(_ path: String) -> Sink<Value> where Value: Encodable {
        Sink("JSON lines file \(path)", writesFile: FileList.absolute(path)) { context in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try FileSinkWriter<Value>(path: path, context: context) { batch, bytes in
                for value in batch.values {
                    bytes.append(contentsOf: try encoder.encode(value))
                    bytes.append(10)
                }
            }
        }
    }

    /// Writes each string as one line of a text file (exactly once with checkpoints, as `csvFile`).
    ///
    /// ```swift
    /// alerts.map { "\($0.user) is over the limit" }.sink("alerts", .textFile("out/alerts.txt"))
    /// ```
    public static func textFile(_ path: String) -> Sink<Value> where Value == String {
        Sink("text file \(path)", writesFile: FileList.absolute(path)) { context in
            try FileSinkWriter<Value>(path: path, context: context) { batch, bytes in
                for line in batch.values {
                    bytes.append(contentsOf: line.utf8)
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

/// Writes formatted batches to a file: one write per batch. Without checkpoints, straight to
/// the file, flushed and closed at the end; with them, through a ``TransactionalFile``.
///
/// `@unchecked Sendable` is safe: the job's driver calls it one call at a time.
final class FileSinkWriter<Value: Sendable>: SinkWriter, @unchecked Sendable {
    private let output: Output
    private let path: String
    private let step: String
    private let format: (RecordBatch<Value>, inout [UInt8]) throws -> Void
    private var buffer: [UInt8] = []

    enum Output {
        case direct(FileHandle)
        case transactional(TransactionalFile)
    }

    init(path requested: String, context: SinkContext, format: @escaping (RecordBatch<Value>, inout [UInt8]) throws -> Void) throws {
        let path = context.run.outputPath(requested)
        let step = context.stepID
        self.path = path
        self.step = step
        self.format = format
        if context.run.isTransactional {
            let saved = try context.run.registerState(TransactionalFile.State.self, for: step)
            output = .transactional(try TransactionalFile(path: path, step: step, restoring: saved))
            return
        }
        // A replay writes afresh; the checkpoint's staging state for this sink is known but unused.
        _ = context.run.registerState(for: step)
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        } catch {
            throw StreamError(.io, step: step, action: "create directory", position: directory, message: "\(error)")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw StreamError(.io, step: step, action: "open", position: path, message: "cannot create the file")
        }
        output = .direct(handle)
    }

    func write(_ batch: RecordBatch<Value>) async throws {
        buffer.removeAll(keepingCapacity: true)
        try format(batch, &buffer)
        guard !buffer.isEmpty else { return }
        switch output {
        case .transactional(let file):
            try buffer.withUnsafeBytes { try file.append($0) }
        case .direct(let handle):
            do {
                try buffer.withUnsafeBytes { try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0.baseAddress!), count: $0.count, deallocator: .none)) }
            } catch {
                throw StreamError(.io, step: step, action: "write", position: path, message: "\(error)", isRetryable: true)
            }
        }
    }

    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        if case .transactional(let file) = output { try file.checkpoint(barrier) }
    }

    func close() async throws {
        // A transactional file is finished by the final checkpoint that follows the end of input.
        if case .direct(let handle) = output {
            try handle.synchronize()
            try handle.close()
        }
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

extension Sink {
    /// Formats each record as a CSV line, as `csvFile` would, but keeps only the lines' count
    /// and order-independent fingerprint (``CSVDigest``), written to `path` as one line at the
    /// end of the input. For benchmarks and checks of large outputs: the cost of producing and
    /// formatting the rows stays, the writing goes (as with Flink's discarding sink). With
    /// checkpoints the digest is part of each checkpoint and written when it commits, so the file
    /// always holds the digest of the committed output, and a restored run ends with the digest
    /// of exactly the output an uninterrupted run has.
    ///
    /// ```swift
    /// rows.sink("check", .csvDigest("out/rows.digest"))   // rows=9200000 digest=3f0c…
    /// ```
    public static func csvDigest(_ path: String) -> Sink<Value> where Value: CSVEncodable {
        Sink("CSV digest \(path)", writesFile: FileList.absolute(path)) { context in
            try CSVDigestWriter<Value>(path: context.run.outputPath(path), context: context)
        }
    }
}

/// Folds formatted batches into a ``CSVDigest``. With checkpoints, the digest of what each
/// checkpoint covers is written when the checkpoint commits (so after a stop or a crash the
/// file holds the committed output's digest, as a transactional file holds the committed
/// rows); without, it is written at the end.
///
/// `@unchecked Sendable` is safe: the job's driver calls it one call at a time.
final class CSVDigestWriter<Value: CSVEncodable>: SinkWriter, @unchecked Sendable {
    private let path: String
    private let step: String
    private let isTransactional: Bool
    private var digest: CSVDigest
    private var buffer: [UInt8] = []

    init(path: String, context: SinkContext) throws {
        self.path = path
        step = context.stepID
        isTransactional = context.run.isTransactional
        digest = try context.run.registerState(CSVDigest.self, for: step) ?? CSVDigest()
    }

    func write(_ batch: RecordBatch<Value>) async throws {
        // Each line is hashed as it is formatted, without its line break.
        for value in batch.values {
            buffer.removeAll(keepingCapacity: true)
            value.appendCSVLine(to: &buffer)
            buffer.withUnsafeBytes { digest.add(line: UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        }
    }

    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        let digest = self.digest
        barrier.store(digest, for: step)
        barrier.onCommit { [path, step] in try Self.write(digest, to: path, step: step) }
    }

    func close() async throws {
        // With checkpoints, the final checkpoint after the end of input commits the last digest.
        if !isTransactional { try Self.write(digest, to: path, step: step) }
    }

    /// Replaces the file with the digest's line, durably (a crash leaves the old line or the new).
    static func write(_ digest: CSVDigest, to path: String, step: String) throws {
        do {
            try DurableFiles.replace(path, with: Array("\(digest)\n".utf8))
        } catch {
            throw StreamError(.io, step: step, action: "write", position: path, message: "\(error)")
        }
    }
}
