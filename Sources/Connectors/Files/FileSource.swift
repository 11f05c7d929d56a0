import DequeModule
import Foundation
public import Stream

/// What a file source does with a line it cannot decode.
public enum BadRecordPolicy: Sendable {
    /// Stop the job with an error naming the step, the file, the line and the record (the default).
    case fail
    /// Write the line, its position and the reason as a JSON line to this file, and go on.
    case deadLetter(path: String)

    /// The dead-letter file's sink, if there is one.
    var sink: Sink<[UInt8]>? {
        guard case .deadLetter(let path) = self else { return nil }
        return .deadLetterFile(path)
    }
}

extension Source {
    /// Reads CSV lines (no header) from a file, every file of a directory, or a glob, in name order.
    ///
    /// ```swift
    /// job.source("events", .csvFile("data/events-*.csv", as: Event.self))
    /// ```
    ///
    /// With `follow`, the source keeps reading what is appended to the files, and new files that
    /// match the path, checking every `pollInterval`: a continuous stream that ends only when the
    /// job's task is cancelled. Its position is file and byte offset.
    @inlinable
    public static func csvFile(_ path: String, as type: Value.Type = Value.self, onBadRecord policy: BadRecordPolicy = .fail,
                               follow: Bool = false, pollInterval: Duration = .milliseconds(200),
                               chunkBytes: Int = 1 << 20) -> Source<Value> where Value: CSVDecodable {
        files(path, format: "CSV", policy: policy, follow: follow ? pollInterval : nil, chunkBytes: chunkBytes) { chunk in
            let splitter = CSVFieldSplitter()
            return DecodedChunk.decode(chunk) { line in
                guard let value = try splitter.withRow(line, { try Value(csv: $0) }) else {
                    throw CSVFieldError("a quoted field is not closed")
                }
                return value
            }
        }
    }

    /// Reads JSON lines (one JSON object a line) from a file, a directory or a glob.
    ///
    /// ```swift
    /// job.source("clicks", .jsonLinesFile("clicks.jsonl", as: Click.self))
    /// ```
    @inlinable
    public static func jsonLinesFile(_ path: String, as type: Value.Type = Value.self, onBadRecord policy: BadRecordPolicy = .fail,
                                     follow: Bool = false, pollInterval: Duration = .milliseconds(200),
                                     chunkBytes: Int = 1 << 20) -> Source<Value> where Value: Decodable {
        files(path, format: "JSON lines", policy: policy, follow: follow ? pollInterval : nil, chunkBytes: chunkBytes) { chunk in
            let decoder = SequentialJSONDecoder()
            return DecodedChunk.decode(chunk) { line in try decoder.decode(Value.self, from: line) }
        }
    }

    @usableFromInline
    static func files(
        _ path: String, format: String, policy: BadRecordPolicy, follow: Duration?, chunkBytes: Int,
        decoder: @escaping @Sendable (LineChunk) -> DecodedChunk<Value>
    ) -> Source<Value> {
        Source("\(format) files at \(path)\(follow == nil ? "" : ", followed")", deadLetters: policy.sink) { context in
            try FileSourceReader(path: path, context: context, policy: policy, follow: follow, chunkBytes: chunkBytes, decoder: decoder)
        }
    }
}

/// Reads line-aligned chunks in order and decodes each as a task on the runtime, keeping a few
/// in flight so decoding runs in parallel while records still come out in read order.
///
/// `@unchecked Sendable` is safe: the job's driver calls `next()` one call at a time, and only
/// it touches the mutable fields.
final class FileSourceReader<Value: Sendable>: SourceReader, @unchecked Sendable {
    let context: SourceContext
    let path: String
    let policy: BadRecordPolicy
    /// How often to look for appended data; nil for a bounded read.
    let follow: Duration?
    private var seenFiles: Set<String> = []
    /// Decodes one chunk; made where the source was declared, so it is specialized for `Value`.
    let decoder: @Sendable (LineChunk) -> DecodedChunk<Value>
    /// How much is read (and decoded as one task) at a time: about one batch.
    let chunkSize: Int
    let maxInFlight: Int
    private var files: Deque<String>
    private var handle: FileHandle?
    private var file = ""
    private var offset = 0
    private var carry: [UInt8] = []
    private var inFlight = Deque<(chunk: LineChunk, decoded: TaskRef<DecodedChunk<Value>>)>()
    /// Lines before the next chunk to come out, per file, for absolute line numbers.
    private var linesRead: [String: Int] = [:]
    /// Bad lines found since the engine last took them, as dead-letter lines (with a destination).
    private var deadLetters: [[UInt8]]?
    /// Where the records returned so far end.
    private var emitted: FilePosition
    /// The file and offset a restored reader starts at.
    private var resumeAt: FilePosition?

    var position: String? { emitted.description }

    init(path: String, context: SourceContext, policy: BadRecordPolicy, follow: Duration?, chunkBytes: Int,
         decoder: @escaping @Sendable (LineChunk) -> DecodedChunk<Value>) throws {
        self.context = context
        chunkSize = max(1, chunkBytes)
        self.path = path
        self.policy = policy
        self.follow = follow
        self.decoder = decoder
        maxInFlight = 2 * context.run.runtime.workerCount + 1
        do {
            files = Deque(try FileList.resolve(path))
        } catch {
            files = []
        }
        if files.isEmpty {
            // Reading nothing and finishing at once would look like success: only a followed
            // source may wait for files to appear, and it says so.
            guard follow != nil else {
                throw StreamError(.io, step: context.stepID, action: "open", position: path,
                                  message: "no such file, no file in the directory, or no file matching the pattern")
            }
            context.run.progress.waiting(context.stepID, for: "files at \(path)")
        }
        seenFiles = Set(files)
        emitted = FilePosition.start
        if let saved = context.restoredPosition {
            guard let resume = FilePosition(saved) else {
                throw StreamError(.stateful, step: context.stepID, action: "restore", position: saved,
                                  message: "not a file source position (file@offset#line)")
            }
            emitted = resume
            if resume != .start {
                guard files.contains(resume.file) else {
                    throw StreamError(.io, step: context.stepID, action: "restore", position: saved,
                                      message: "the file the checkpoint was reading is gone")
                }
                while let first = files.first, first != resume.file { files.removeFirst() }
                linesRead[resume.file] = resume.line
                resumeAt = resume
            }
        }
        if case .deadLetter = policy { deadLetters = [] }
    }

    func next() async throws -> RecordBatch<Value>? {
        while true {
            while inFlight.count < maxInFlight, let chunk = try readChunk() {
                let decoder = self.decoder
                inFlight.append((chunk, context.run.runtime.submit { decoder(chunk) }))
            }
            guard let (chunk, pending) = inFlight.popFirst() else {
                if let follow {
                    try Task.checkCancellation()
                    try await context.run.sleep(follow)
                    lookForNewFiles()
                    // A heartbeat: lets processing-time steps move time on while no data comes.
                    return RecordBatch(values: [])
                }
                return nil
            }
            let decoded = try await pending.value
            let firstLine = linesRead[chunk.file, default: 0]
            linesRead[chunk.file] = firstLine + decoded.lineCount
            try handle(bad: decoded.bad, in: chunk, firstLine: firstLine)
            emitted = FilePosition(file: chunk.file, offset: chunk.offset + chunk.bytes.count, line: firstLine + decoded.lineCount)
            if !decoded.records.isEmpty { return RecordBatch(values: decoded.records) }
        }
    }

    func takeDeadLetters() -> [[UInt8]] {
        guard let lines = deadLetters, !lines.isEmpty else { return [] }
        deadLetters = []
        return lines
    }

    private func handle(bad: [DecodedChunk<Value>.BadLine], in chunk: LineChunk, firstLine: Int) throws {
        guard let first = bad.first else { return }
        guard deadLetters != nil else {
            throw StreamError(.badRecord, step: context.stepID, action: "decode",
                              position: "\(chunk.file):\(firstLine + first.line + 1)", record: first.text, message: first.reason)
        }
        for line in bad {
            deadLetters!.append(try DeadLetterLine.fileLine(step: context.stepID, file: chunk.file, line: firstLine + line.line + 1,
                                                             record: line.text, reason: line.reason))
        }
    }

    /// Queues files that appeared since the last look (following a glob or directory), in name order.
    private func lookForNewFiles() {
        guard let found = try? FileList.resolve(path) else { return }
        for file in found where !seenFiles.contains(file) {
            seenFiles.insert(file)
            files.append(file)
        }
        if !seenFiles.isEmpty { context.run.progress.waiting(context.stepID, for: nil) }
    }

    /// The next chunk ending at a line break, moving on through the files; nil when all are read.
    private func readChunk() throws -> LineChunk? {
        while true {
            if handle == nil {
                guard let next = files.popFirst() else { return nil }
                guard let opened = FileHandle(forReadingAtPath: next) else {
                    throw StreamError(.io, step: context.stepID, action: "open", position: next, message: "cannot open the file")
                }
                handle = opened
                file = next
                offset = 0
                carry = []
                if let resume = resumeAt, resume.file == next {
                    try opened.seek(toOffset: UInt64(resume.offset))
                    offset = resume.offset
                    resumeAt = nil
                }
            }
            // Read straight after the carried partial line: one copy, the kernel's.
            var bytes = try Self.read(upTo: chunkSize, after: carry, from: handle!, file: file, step: context.stepID)
            let read = bytes.count - carry.count
            if read == 0 {
                // Following: stay on the last file, waiting for more (and for the end of a partial line).
                if follow != nil && files.isEmpty { return nil }
                try handle?.close()
                handle = nil
                guard !carry.isEmpty else { continue }
                defer { carry = [] }
                return LineChunk(file: file, offset: offset - carry.count, bytes: carry)
            }
            offset += read
            guard let lastBreak = bytes.lastIndex(of: 10) else {
                carry = bytes
                continue
            }
            carry = Array(bytes[(lastBreak + 1)...])
            bytes.removeSubrange((lastBreak + 1)...)
            return LineChunk(file: file, offset: offset - carry.count - bytes.count, bytes: bytes)
        }
    }
}

extension FileSourceReader {
    /// `carry` followed by up to `count` bytes read from `handle` (none at the end of the file),
    /// read straight into the array: the kernel's copy is the only one.
    static func read(upTo count: Int, after carry: [UInt8], from handle: FileHandle, file: String, step: String) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: carry.count + count) { buffer, initialized in
            let start = buffer.baseAddress!
            carry.withUnsafeBufferPointer { if let kept = $0.baseAddress { start.initialize(from: kept, count: $0.count) } }
            initialized = carry.count
            while initialized < carry.count + count {
                let n = Glibc.read(handle.fileDescriptor, start + initialized, carry.count + count - initialized)
                if n == 0 { break }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StreamError(.io, step: step, action: "read", position: file, message: String(cString: strerror(errno)))
                }
                initialized += n
            }
        }
    }
}

/// Where a file source is: the file, the byte offset just after the last line returned, and
/// how many lines of the file came before it. Written `file@offset#line`; `start` before any.
struct FilePosition: Equatable, CustomStringConvertible {
    static let start = FilePosition(file: "", offset: 0, line: 0)

    var file: String
    var offset: Int
    var line: Int

    init(file: String, offset: Int, line: Int) {
        self.file = file
        self.offset = offset
        self.line = line
    }

    init?(_ text: String) {
        if text == "start" { self = .start; return }
        guard let hash = text.lastIndex(of: "#"), let at = text[..<hash].lastIndex(of: "@"),
              let offset = Int(text[text.index(after: at)..<hash]), let line = Int(text[text.index(after: hash)...]) else { return nil }
        self.init(file: String(text[..<at]), offset: offset, line: line)
    }

    var description: String { self == .start ? "start" : "\(file)@\(offset)#\(line)" }
}
