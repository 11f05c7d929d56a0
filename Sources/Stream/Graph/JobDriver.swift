import Logging

/// One source of a running job, with the steps it feeds behind `pump`.
struct SourceDriver: Sendable {
    /// The position recorded for a source that reached the end of its input.
    static let finished = "end"

    let id: String
    /// Whether the restored checkpoint says this source had already finished.
    let restoredFinished: Bool
    /// Reads one batch and pushes it through the steps; nil at the end of input.
    let pump: @Sendable () async throws -> Int?
    let position: @Sendable () -> String?
    /// Tells the reader its position went into this checkpoint.
    let positionTaken: @Sendable (CheckpointBarrier) -> Void
    let finish: @Sendable () async throws -> Void
    let checkpoint: @Sendable (CheckpointBarrier) async throws -> Void
}

/// Drives a job: pumps each source's batches through its steps, one batch at a time, and
/// between two batches — where every step is quiet — takes the checkpoints that are due.
struct JobDriver {
    let context: RunContext
    let sources: [SourceDriver]
    let coordinator: CheckpointCoordinator?
    private var finished: Set<String> = []
    private var started: Set<String> = []

    init(context: RunContext, sources: [SourceDriver], coordinator: CheckpointCoordinator?) {
        self.context = context
        self.sources = sources
        self.coordinator = coordinator
        finished = Set(sources.filter(\.restoredFinished).map(\.id))
    }

    /// Runs to the end of the input, or until a stop is requested; then takes the final
    /// checkpoint (when checkpointing) and waits for it to be committed.
    mutating func run() async throws {
        let control = context.options.control
        // A fresh run checkpoints before it reads anything, so a crash before its first periodic
        // checkpoint restores to its start — where sinks recorded what their outputs held —
        // rather than starting afresh over output it had already written.
        if coordinator != nil && context.restored == nil {
            try await checkpoint(waiting: true)
        }
        outer: for source in sources where !finished.contains(source.id) {
            started.insert(source.id)
            while true {
                if control.isStopRequested { break outer }
                try Task.checkCancellation()
                guard try await source.pump() != nil else { break }
                if let coordinator, control.takeCheckpointRequest() || coordinator.isDue(now: context.now()) {
                    try await checkpoint(waiting: false)
                }
            }
            try await source.finish()
            finished.insert(source.id)
        }
        if coordinator != nil {
            try await checkpoint(waiting: true)
        }
    }

    /// Passes a barrier through every source's steps, then hands the checkpoint to the writer.
    private func checkpoint(waiting: Bool) async throws {
        guard let coordinator else { return }
        let now = context.now()
        let barrier = coordinator.begin(now: now)
        for source in sources { try await source.checkpoint(barrier) }
        var positions: [String: String] = [:]
        for source in sources {
            if finished.contains(source.id) {
                positions[source.id] = SourceDriver.finished
            } else if let position = source.position() {
                positions[source.id] = position
                source.positionTaken(barrier)
            } else if started.contains(source.id) {
                throw StreamError(.invalidJob, step: source.id, action: "checkpoint",
                                  message: "this source cannot say where it is, so the job cannot be checkpointed; run it without checkpoints")
            }
        }
        try await coordinator.write(barrier, sources: positions, now: now, waiting: waiting)
    }
}

extension Job {
    /// The checkpoint `options` asks to restore, read and verified; nil to start afresh.
    func checkpointToRestore(_ options: RunOptions) throws -> Checkpoint? {
        guard let point = options.restore else { return nil }
        guard let directory = options.checkpointDirectory else {
            throw StreamError(.invalidJob, step: name, action: "restore", message: "restoring needs a checkpoint directory")
        }
        let store = CheckpointStore(root: directory, job: name, retain: options.retainedCheckpoints)
        do {
            switch point {
            case .latest:
                let latest = try store.latest()
                if latest == nil {
                    Logger(label: "stream.checkpoint").info("no checkpoint of job '\(name)' in \(directory): starting afresh")
                }
                return latest
            case .checkpoint(let id):
                return try store.read(id: id)
            }
        } catch let error as CheckpointError {
            throw StreamError(.stateful, step: name, action: "restore", message: "\(error)")
        }
    }

    /// Checks that the restored checkpoint was written by this pipeline: every state it holds
    /// belongs to a step of this job, and every source it positions exists. Reports each
    /// mismatch by step; steps the checkpoint knows nothing of start empty.
    func checkRestored(_ checkpoint: Checkpoint?, stateful: [String], sources: [String]) throws {
        guard let checkpoint else { return }
        var problems: [String] = []
        let known = Set(stateful)
        for step in checkpoint.states.keys.sorted() where !known.contains(step) {
            problems.append("the checkpoint holds state for step '\(step)', which this pipeline does not have (renamed or removed?)")
        }
        for source in checkpoint.manifest.sources.keys.sorted() where !sources.contains(source) {
            problems.append("the checkpoint holds a position for source '\(source)', which this pipeline does not have")
        }
        guard problems.isEmpty else {
            throw StreamError(.stateful, step: name, action: "restore",
                              message: "checkpoint chk-\(checkpoint.manifest.id) does not match this pipeline:\n  - " + problems.joined(separator: "\n  - "))
        }
        for step in stateful where checkpoint.states[step] == nil {
            Logger(label: "stream.checkpoint").warning("step '\(step)' has no state in chk-\(checkpoint.manifest.id): it starts empty")
        }
    }
}
