#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// An output file written exactly once across crashes, committed with checkpoints.
///
/// What is written between two checkpoints goes to a hidden in-progress file next to the
/// output. At a checkpoint barrier it is fsynced and renamed to a staged part
/// (`.<name>.part-<checkpoint>`); once the checkpoint is durable, the part is appended to the
/// output and removed. The state kept in the checkpoint — the output's committed length and
/// the parts not yet known to be committed — lets a restore finish an interrupted commit and
/// cut off anything written after the checkpoint, so the output after any number of crashes
/// equals, byte for byte, that of a run never interrupted.
///
/// ```swift
/// let file = try TransactionalFile(path: "out/counts.csv", step: "counts", restoring: saved)
/// try file.append(bytes)
/// file.checkpoint(barrier)     // staged now, committed when the checkpoint completes
/// ```
///
/// `@unchecked Sendable` is safe: the in-progress descriptor is used only by the job's driver
/// (one call at a time); the commit state is behind a mutex, shared with commits that run on
/// the checkpoint writer's thread.
public final class TransactionalFile: @unchecked Sendable {
    /// What a checkpoint records of the file.
    public struct State: Codable, Sendable, Equatable {
        public struct Part: Codable, Sendable, Equatable {
            public var checkpoint: Int
            public var bytes: Int
        }

        /// The output's length once every part before `parts` is committed.
        public var committedBytes = 0
        /// Staged parts, oldest first, not yet known to be committed.
        public var parts: [Part] = []
    }

    public let path: String
    let step: String
    private let directory: String
    private let name: String
    private let commits: Mutex<State>
    /// The in-progress file, opened at the first write after a checkpoint; -1 when closed.
    private var inProgress: Int32 = -1
    private var inProgressBytes = 0

    /// Opens the output for a run: afresh (`restoring` nil: the output is emptied and stale
    /// staged parts removed), or from a checkpoint's state (an interrupted commit is finished,
    /// output after the checkpoint is cut off, later staged parts are removed).
    public init(path: String, step: String, restoring saved: State?) throws {
        self.path = path
        self.step = step
        let slash = path.lastIndex(of: "/")
        directory = slash.map { String(path[..<$0]) } ?? "."
        name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        commits = Mutex(State())
        try wrap("prepare the output") {
            try DurableFiles.makeDirectory(directory)
            var state = saved ?? State()
            if saved == nil { try DurableFiles.truncate(path, to: 0) }
            try Self.finishCommits(&state, upTo: Int.max, path: path, partPath: partPath)
            try DurableFiles.truncate(path, to: state.committedBytes)
            for stale in DurableFiles.list(directory) where stale.hasPrefix(".\(name).part-") || stale == ".\(name).inprogress" {
                DurableFiles.remove("\(directory)/\(stale)")
            }
            try DurableFiles.syncDirectory(directory)
            commits.withLock { $0 = state }
        }
    }

    deinit {
        if inProgress >= 0 { close(inProgress) }
    }

    /// Appends bytes to what the next checkpoint will stage.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        try wrap("write") {
            if inProgress < 0 { try openInProgress() }
            try DurableFiles.writeAll(inProgress, bytes, path: inProgressPath)
        }
        inProgressBytes += bytes.count
    }

    /// Stages what was written since the last checkpoint, stores the state in the barrier and
    /// registers the commit.
    public func checkpoint(_ barrier: CheckpointBarrier) throws {
        let id = barrier.id
        try wrap("stage output") {
            if inProgressBytes > 0 {
                guard fsync(inProgress) == 0 else { throw CheckpointError.io(path: inProgressPath, reason: DurableFiles.errorText()) }
                close(inProgress)
                inProgress = -1
                try DurableFiles.rename(inProgressPath, to: partPath(id))
                try DurableFiles.syncDirectory(directory)
                let bytes = inProgressBytes
                inProgressBytes = 0
                commits.withLock { $0.parts.append(.init(checkpoint: id, bytes: bytes)) }
            }
        }
        barrier.store(commits.withLock { $0 }, for: step)
        let path = path
        barrier.onCommit { [self] in
            try commits.withLock { state in try Self.finishCommits(&state, upTo: id, path: path, partPath: partPath) }
        }
    }

    /// Appends the staged parts up to checkpoint `id` to the output, in order. A part whose
    /// file is gone was committed already (it is removed only after the output is fsynced).
    private static func finishCommits(_ state: inout State, upTo id: Int, path: String, partPath: (Int) -> String) throws {
        while let part = state.parts.first, part.checkpoint <= id {
            let staged = partPath(part.checkpoint)
            if DurableFiles.exists(staged) {
                try DurableFiles.copyWhole(staged, into: path, at: state.committedBytes)
                DurableFiles.remove(staged)
            }
            state.committedBytes += part.bytes
            state.parts.removeFirst()
        }
    }

    private var inProgressPath: String { "\(directory)/.\(name).inprogress" }

    private func partPath(_ id: Int) -> String { "\(directory)/.\(name).part-\(id)" }

    private func openInProgress() throws {
        inProgress = open(inProgressPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard inProgress >= 0 else { throw CheckpointError.io(path: inProgressPath, reason: DurableFiles.errorText()) }
        inProgressBytes = 0
    }

    private func wrap<T>(_ action: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CheckpointError {
            throw StreamError(.io, step: step, action: action, position: path, message: "\(error)", isRetryable: true)
        }
    }
}
