import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The job's side of one worker process: a thread writing queued frames to its socket, one
/// reading replies, one copying its standard error to the job's (and keeping its last lines).
/// When the socket closes, the reader reaps the process and reports how it ended.
final class RemoteWorker: Sendable {
    /// What the reader hands the pool: each reply of one read, in order.
    struct Reply: Sendable {
        let kind: WireFrame.Kind
        let task: UInt64
        let payload: [UInt8]
    }

    let pid: pid_t
    private let socket: Int32
    private let outbox = Mutex<(bytes: [UInt8], writing: Bool, closed: Bool)>(([], false, false))
    private let wake = DispatchSemaphore(value: 0)
    private let lastWords = Mutex<[UInt8]>([])
    private let standardErrorDone = DispatchSemaphore(value: 0)
    private let reaped = Atomic(false)

    /// Starts the threads for a started process. `onReplies` and `onExit` run on the reader's
    /// thread; `onExit` (with `waitpid`'s status and the worker's last words) is the last call.
    init(_ started: WorkerLaunch.Started, label: String,
         onReplies: @escaping @Sendable ([Reply]) -> Void,
         onExit: @escaping @Sendable (_ status: Int32, _ lastWords: String) -> Void) {
        pid = started.pid
        socket = started.socket
        WorkerThread { [self] in writeLoop() }.detach()
        WorkerThread { [self] in copyStandardError(started.standardError, label: label) }.detach()
        WorkerThread { [self] in
            readLoop(onReplies)
            shutdown(socket, Int32(SHUT_RDWR))
            outbox.withLock { $0.closed = true }
            wake.signal()
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            reaped.store(true, ordering: .releasing)
            _ = standardErrorDone.wait(timeout: .now() + .seconds(1))
            onExit(status, finalWords())
        }.detach()
    }

    /// Sends frames. `urgent` ones (for an idle worker, which waits for them) are written at
    /// once from the caller's thread when nobody is writing and the socket takes them without
    /// waiting — no thread hop on the way out; the rest are queued for the writer thread, which
    /// sends whatever gathered meanwhile in one write. Never blocks on the socket.
    func send(urgent: Bool, _ write: (inout [UInt8]) -> Void) {
        enum Next { case nothing, wakeWriter, writeHere }
        var taken: [UInt8] = []
        let next = outbox.withLock { box -> Next in
            let wasEmpty = box.bytes.isEmpty
            write(&box.bytes)
            if box.closed { return .nothing }
            guard urgent, !box.writing else { return wasEmpty ? .wakeWriter : .nothing }
            box.writing = true
            swap(&box.bytes, &taken)
            return .writeHere
        }
        switch next {
        case .nothing: return
        case .wakeWriter: wake.signal(); return
        case .writeHere: break
        }
        let written = taken.withUnsafeBytes { SocketIO.writeWithoutWaiting(socket, $0) }
        let handOver = outbox.withLock { box -> Bool in
            box.writing = false
            if written < taken.count {
                box.bytes.insert(contentsOf: taken[max(0, written)...], at: 0)
            }
            return !box.bytes.isEmpty
        }
        if handOver { wake.signal() }
    }

    /// Whether its process has ended and been reaped.
    var isReaped: Bool { reaped.load(ordering: .acquiring) }

    /// Kills the process (it is reaped and reported as any death); nothing once it was reaped,
    /// when its process id may already be another process's.
    func kill(_ signal: Int32 = SIGKILL) {
        if !isReaped { _ = Glibc.kill(pid, signal) }
    }

    // The socket is closed only here, once no thread can use it: the writer thread and anyone
    // sending hold this object. Closing it when the worker died let its number be reused by the
    // next worker's socket while a write to the old one was still under way, which then wrote
    // into the new worker's stream. Until then a shut-down socket fails every write.
    deinit {
        Glibc.close(socket)
    }

    /// Closes the job's end for writing: the worker reads its end, finishes and exits.
    func close() {
        Glibc.shutdown(socket, Int32(SHUT_WR))
    }

    private func writeLoop() {
        var sending: [UInt8] = []
        while true {
            wake.wait()
            while true {
                let (closed, mine) = outbox.withLock { box -> (Bool, Bool) in
                    if box.closed { return (true, false) }
                    if box.writing || box.bytes.isEmpty { return (false, false) }
                    box.writing = true
                    swap(&box.bytes, &sending)
                    return (false, true)
                }
                if closed { return }
                guard mine else { break }
                let ok = sending.withUnsafeBytes { SocketIO.writeAll(socket, $0) }
                sending.removeAll(keepingCapacity: true)
                outbox.withLock { $0.writing = false }
                if !ok { return }
            }
        }
    }

    private func readLoop(_ onReplies: @Sendable ([Reply]) -> Void) {
        var reader = FrameReader()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { chunk.deallocate() }
        var replies: [Reply] = []
        while true {
            let count = SocketIO.read(socket, into: chunk)
            guard count > 0 else { return }
            reader.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            do {
                while let frame = try reader.next() {
                    replies.append(Reply(kind: frame.kind, task: frame.task, payload: Array(frame.payload)))
                }
            } catch {
                kill()
                return
            }
            if !replies.isEmpty {
                onReplies(replies)
                replies.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Copies the worker's standard error to the job's, a line at a time with `label` in
    /// front, keeping the last 2 KiB.
    private func copyStandardError(_ fd: Int32, label: String) {
        defer { Glibc.close(fd); standardErrorDone.signal() }
        var pending: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { chunk.deallocate() }
        let prefix = Array("[\(label)] ".utf8)
        while true {
            let count = SocketIO.read(fd, into: chunk)
            guard count > 0 else { break }
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            while let newline = pending.firstIndex(of: 10) {
                emit(Array(pending[...newline]), prefix: prefix)
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { emit(pending + [10], prefix: prefix) }
    }

    private func emit(_ line: [UInt8], prefix: [UInt8]) {
        if Self.isStackFrame(line) { return }
        let whole = prefix + line
        _ = whole.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        lastWords.withLock { kept in
            kept.append(contentsOf: line)
            if kept.count > 2048 { kept.removeFirst(kept.count - 2048) }
        }
    }

    /// What the worker said last: its Swift runtime error (`Fatal error: …`) if it wrote one,
    /// else its last non-empty lines (up to 300 characters).
    private func finalWords() -> String {
        let text = lastWords.withLock { String(decoding: $0, as: UTF8.self) }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: " \t\r") }.filter { !$0.isEmpty }
        if let fatal = lines.last(where: { $0.contains("Fatal error") }) { return String(fatal.prefix(300)) }
        var kept: [Substring] = []
        var length = 0
        for line in lines.reversed() {
            if length + line.count > 300 && !kept.isEmpty { break }
            kept.insert(line, at: 0)
            length += line.count
        }
        return kept.joined(separator: " | ")
    }

    /// A frame of the stack trace the Swift runtime prints when it traps (`3  stream-job  0x… <unavailable> + 42`):
    /// addresses in a process that is gone, left out of the job's standard error and the report.
    private static func isStackFrame(_ line: [UInt8]) -> Bool {
        let text = String(decoding: line, as: UTF8.self)
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count >= 3 && Int(fields[0]) != nil && fields[2].hasPrefix("0x")
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var result = self
        while let first = result.first, set.contains(first) { result = result.dropFirst() }
        while let last = result.last, set.contains(last) { result = result.dropLast() }
        return result
    }
}
