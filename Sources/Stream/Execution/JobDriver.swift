/// Drives a job: every source reads on a task of its own into a small bounded queue; the driver
/// takes their batches one at a time (taking turns among the sources that have one, skipping
/// those a multi-input step holds back) and pushes each down its chain of steps. Between two
/// batches — where every step is quiet — it takes the checkpoints that are due.
///
/// Every step is called by the driver alone, one call at a time, so steps need no locks of their
/// own; their parallel work runs on the runtime (range actors, merge tasks, decoding).
struct JobDriver {
    let context: RunContext
    let sources: [any RunningSource]
    let holds: SourceHolds
    let coordinator: CheckpointCoordinator?
    private let signal = DriverSignal()
    private var finished: Set<Int> = []
    /// Where the next turn starts, so a busy source does not starve the others.
    private var turn = 0

    /// The position recorded for a source that reached the end of its input.
    static let finishedPosition = "end"

    init(context: RunContext, sources: [any RunningSource], holds: SourceHolds, coordinator: CheckpointCoordinator?) {
        self.context = context
        self.sources = sources
        self.holds = holds
        self.coordinator = coordinator
        finished = Set(sources.indices.filter { sources[$0].restoredFinished })
    }

    /// Runs to the end of the input, or until a stop is requested; then takes the final
    /// checkpoint (when checkpointing) and waits for it to be committed.
    mutating func run() async throws {
        // A fresh run checkpoints before it reads anything, so a crash before its first periodic
        // checkpoint restores to its start — where sinks recorded what their outputs held —
        // rather than starting afresh over output it had already written.
        if coordinator != nil && context.restored == nil {
            try await checkpoint(waiting: true)
        }
        let control = context.options.control
        let signal = self.signal
        control.onStop { signal.notify() }
        for index in sources.indices where !finished.contains(index) { sources[index].start(signal: signal) }
        do {
            try await pumpUntilDone(control)
        } catch {
            await stopSources()
            throw error
        }
        await stopSources()
        if coordinator != nil {
            try await checkpoint(waiting: true)
        }
    }

    private mutating func pumpUntilDone(_ control: RunControl) async throws {
        while finished.count < sources.count {
            if control.isStopRequested { return }
            try Task.checkCancellation()
            let seen = signal.generation
            guard let index = nextSource() else {
                await signal.wait(after: seen)
                continue
            }
            if try await !sources[index].deliverNext() {
                finished.insert(index)
            }
            if let coordinator, control.takeCheckpointRequest() || coordinator.isDue(now: context.now()) {
                try await checkpoint(waiting: false)
            }
        }
    }

    /// The next source to deliver from: the first, from this turn on, with a batch waiting and
    /// not held back.
    private mutating func nextSource() -> Int? {
        for offset in 0..<sources.count {
            let index = (turn + offset) % sources.count
            let source = sources[index]
            guard !finished.contains(index), source.hasPending, !holds.isHeld(source.step) else { continue }
            turn = index + 1
            return index
        }
        return nil
    }

    private func stopSources() async {
        for source in sources { await source.stop() }
    }

    /// Passes a barrier through every source's steps, then hands the checkpoint to the writer.
    private func checkpoint(waiting: Bool) async throws {
        guard let coordinator else { return }
        let now = context.now()
        let barrier = coordinator.begin(now: now)
        for source in sources { try await source.checkpoint(barrier) }
        var positions: [String: String] = [:]
        for (index, source) in sources.enumerated() {
            if finished.contains(index) {
                positions[source.id] = Self.finishedPosition
            } else if let position = source.position {
                positions[source.id] = position
                source.positionTaken(barrier, position: position)
            } else if source.hasDelivered {
                throw StreamError(.invalidJob, step: source.id, action: "checkpoint",
                                  message: "this source cannot say where it is, so the job cannot be checkpointed; run it without checkpoints")
            }
        }
        try await coordinator.write(barrier, sources: positions, now: now, waiting: waiting)
    }
}
