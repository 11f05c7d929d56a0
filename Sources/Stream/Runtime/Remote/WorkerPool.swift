import DequeModule
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Worker processes that run registered functions for the runtime (``Runtime/submitRemote(_:_:options:)``).
///
/// Tasks go to the worker with the fewest in flight; a worker runs its tasks one at a time in
/// the order sent. When a worker dies — a signal, a time limit, its memory limit — it is
/// restarted, and the tasks it held are run again one at a time on fresh workers, so the one
/// that kills a worker is found and charged (``RemoteTaskOptions/retriesOnWorkerDeath``) while
/// the others, which merely queued behind it, are not.
///
/// ```swift
/// let pool = try WorkerPool(WorkerPool.Options(count: 2, launch: WorkerLaunch(arguments: ["worker"])))
/// ```
public final class WorkerPool: Sendable {
    public struct Options: Sendable {
        public var count: Int
        public var launch: WorkerLaunch
        /// The longest one task may run before its worker is killed, unless the task says.
        public var taskTimeout: Duration
        /// Each worker's address-space limit in bytes (`RLIMIT_AS`); nil for none.
        public var memoryLimit: Int?
        /// A call each worker runs before anything else, each time one starts (a remote actor
        /// rebuilt from its last snapshot): its function's name and input, asked for then.
        public var prelude: (@Sendable () -> (function: String, input: [UInt8]))?

        public init(count: Int, launch: WorkerLaunch, taskTimeout: Duration = .seconds(60), memoryLimit: Int? = 4 << 30) {
            self.count = max(1, count)
            self.launch = launch
            self.taskTimeout = taskTimeout
            self.memoryLimit = memoryLimit
        }
    }

    /// What a task's completion receives: the encoded output, or why there is none.
    typealias Completion = @Sendable (Result<[UInt8], any Error>) -> Void

    let options: Options
    private let state = Mutex(PoolState())
    private let watchdogStop = Atomic(false)

    /// Starts `options.count` workers.
    public init(_ options: Options) throws {
        self.options = options
        do {
            for index in 0..<options.count {
                let worker = try start(slot: index, generation: 0)
                state.withLock { $0.slots.append(Slot(process: worker)) }
            }
        } catch {
            // The ones already started end with the pool.
            shutdown()
            throw error
        }
        WorkerThread { [self] in watchdog() }.detach()
    }

    deinit {
        watchdogStop.store(true, ordering: .relaxed)
    }

    /// Counts of what the pool has done.
    public var stats: RemoteStats {
        state.withLock { $0.stats }
    }

    /// The process ids of the live workers (for tests that kill one from outside).
    public var workerProcessIDs: [Int32] {
        state.withLock { $0.slots.compactMap { $0.process?.pid } }
    }

    /// Queues one run of `function` on `input`; `complete` gets the outcome (on a pool thread).
    func submit(function: String, input: [UInt8], options: RemoteTaskOptions, complete: @escaping Completion) {
        submit([(input, complete)], function: function, options: options)
    }

    /// Queues runs of one function, under one lock, sent in one write per worker.
    func submit(_ tasks: [(input: [UInt8], complete: Completion)], function: String, options: RemoteTaskOptions) {
        let timeout = Self.nanoseconds(options.timeout ?? self.options.taskTimeout)
        let name = Array(function.utf8)
        let refused: [Completion]? = state.withLock { state in
            if state.closed { return tasks.map(\.complete) }
            state.pending.reserveCapacity(state.pending.count + tasks.count)
            for task in tasks {
                let id = state.nextTask
                state.nextTask += 1
                state.pending[id] = PendingTask(function: function, name: name, input: task.input, complete: task.complete,
                                                errorRetries: options.maxRetries, deathRetries: options.retriesOnWorkerDeath,
                                                timeout: timeout)
                state.queued.append(id)
            }
            dispatch(&state)
            return nil
        }
        for complete in refused ?? [] { complete(.failure(RuntimeError.shutDown)) }
    }

    /// Stops the workers (each finishes what it was sent, then exits) and fails what is queued.
    public func shutdown() {
        watchdogStop.store(true, ordering: .relaxed)
        let (workers, failed) = state.withLock { state -> ([RemoteWorker], [Completion]) in
            state.closed = true
            let failed = state.pending.values.map(\.complete)
            state.pending.removeAll()
            state.queued.removeAll()
            state.solo.removeAll()
            return (state.slots.compactMap(\.process), failed)
        }
        for complete in failed { complete(.failure(RuntimeError.shutDown)) }
        for worker in workers { worker.close() }
        // Give them a moment to exit on their own; then make sure.
        let deadline = SocketIO.now() + 2_000_000_000
        for worker in workers {
            while !worker.isReaped && SocketIO.now() < deadline { usleep(1000) }
            worker.kill()
        }
    }

    // MARK: - Dispatch

    /// Sends queued tasks to workers: each suspect alone to an idle worker first, then the rest
    /// to the least busy workers that are not running a suspect.
    private func dispatch(_ state: inout PoolState) {
        let now = SocketIO.now()
        while let id = state.solo.first {
            guard let slot = state.slots.indices.first(where: { state.slots[$0].process != nil && state.slots[$0].inFlight.isEmpty }) else { break }
            state.solo.removeFirst()
            state.slots[slot].exclusive = true
            send(id, to: slot, now: now, in: &state)
        }
        guard !state.queued.isEmpty else { return }
        var batches: [Int: (bytes: [UInt8], wasIdle: Bool)] = [:]
        while let id = state.queued.first {
            var best: Int?
            for index in state.slots.indices where state.slots[index].process != nil && !state.slots[index].exclusive {
                if best == nil || state.slots[index].inFlight.count < state.slots[best!].inFlight.count { best = index }
            }
            guard let slot = best else { break }
            state.queued.removeFirst()
            let idle = state.slots[slot].inFlight.isEmpty
            if idle { state.slots[slot].busySince = now }
            state.slots[slot].inFlight.append(id)
            let task = state.pending[id]!
            WireFrame.appendRun(task: id, function: task.name, input: task.input, to: &batches[slot, default: ([], idle)].bytes)
        }
        // A worker that was idle waits for its frames: they go out at once. A busy one reads them
        // when done, so they can wait for the writer thread to send them with others.
        for (slot, batch) in batches {
            state.slots[slot].process!.send(urgent: batch.wasIdle) { $0.append(contentsOf: batch.bytes) }
        }
    }

    private func send(_ id: UInt64, to slot: Int, now: UInt64, in state: inout PoolState) {
        state.slots[slot].busySince = now
        state.slots[slot].inFlight.append(id)
        let task = state.pending[id]!
        state.slots[slot].process!.send(urgent: true) { WireFrame.appendRun(task: id, function: task.name, input: task.input, to: &$0) }
    }

    // MARK: - Replies and deaths

    private func received(_ replies: [RemoteWorker.Reply], slot: Int, generation: Int) {
        var completions: [(Completion, Result<[UInt8], any Error>)] = []
        state.withLock { state in
            guard state.slots[slot].generation == generation else { return }
            let now = SocketIO.now()
            for reply in replies {
                if let head = state.slots[slot].inFlight.first, head == reply.task {
                    state.slots[slot].inFlight.removeFirst()
                } else if let index = state.slots[slot].inFlight.firstIndex(of: reply.task) {
                    state.slots[slot].inFlight.remove(at: index)
                }
                state.slots[slot].busySince = now
                state.slots[slot].answeredAny = true
                state.failedStarts = 0
                guard var task = state.pending.removeValue(forKey: reply.task) else {
                    if reply.task == 0 && reply.kind != .result {
                        // The prelude (a remote actor rebuilt from its snapshot) failed: its calls will
                        // fail naming the missing actor; this says why.
                        Logger(label: "stream.remote").error("a worker's first call failed: \(String(decoding: reply.payload, as: UTF8.self))")
                    }
                    continue
                }
                switch reply.kind {
                case .result:
                    state.stats.tasksRun += 1
                    completions.append((task.complete, .success(reply.payload)))
                case .failure where task.errorRetries > 0:
                    task.errorRetries -= 1
                    state.pending[reply.task] = task
                    state.queued.append(reply.task)
                case .failure:
                    state.stats.tasksRun += 1
                    let message = String(decoding: reply.payload, as: UTF8.self)
                    completions.append((task.complete, .failure(RemoteTaskError.failed(function: task.function, message: message))))
                case .unknownFunction, .run:
                    completions.append((task.complete, .failure(RemoteTaskError.unknownFunction(task.function))))
                }
            }
            if state.slots[slot].inFlight.isEmpty { state.slots[slot].exclusive = false }
            dispatch(&state)
        }
        EngineMetrics.remoteTasks.increment(by: replies.count)
        for (complete, outcome) in completions { complete(outcome) }
    }

    private func exited(slot: Int, generation: Int, status: Int32, lastWords: String) {
        var failed: [(Completion, any Error)] = []
        let restart: Bool = state.withLock { state in
            guard state.slots[slot].generation == generation else { return false }
            let dead = state.slots[slot]
            state.slots[slot].process = nil
            state.slots[slot].inFlight.removeAll()
            state.slots[slot].exclusive = false
            state.slots[slot].killedFor = nil
            state.slots[slot].generation += 1
            if state.closed { return false }
            state.stats.workerDeaths += 1
            let death = dead.killedFor ?? describe(status: status, lastWords: lastWords)
            let suspects = Array(dead.inFlight)
            if suspects.count == 1 || dead.exclusive, let culprit = suspects.first {
                // It ran alone: it is the one that killed the worker.
                if var task = state.pending[culprit] {
                    task.deaths += 1
                    task.lastDeath = death
                    if task.deaths > task.deathRetries {
                        state.pending[culprit] = nil
                        failed.append((task.complete, RemoteTaskError.workerDied(function: task.function, death)))
                    } else {
                        state.pending[culprit] = task
                        state.solo.append(culprit)
                    }
                }
                state.solo.append(contentsOf: suspects.dropFirst())
            } else {
                state.solo.append(contentsOf: suspects)
            }
            if suspects.isEmpty && dead.answeredAny == false {
                state.failedStarts += 1
            }
            return true
        }
        for (complete, error) in failed { complete(.failure(error)) }
        if restart { replace(slot: slot) }
    }

    /// Starts a new worker in `slot`; gives up (failing what is queued) after repeated failures
    /// to start one that lives.
    private func replace(slot: Int) {
        let (generation, tooMany) = state.withLock { ($0.slots[slot].generation, $0.failedStarts >= 5) }
        var worker: RemoteWorker?
        var failure: (any Error)?
        if tooMany {
            failure = RemoteTaskError.cannotStartWorker("workers keep dying before they answer anything; see their standard error above")
        } else {
            do { worker = try start(slot: slot, generation: generation) } catch { failure = error }
        }
        var failed: [Completion] = []
        state.withLock { state in
            if let worker {
                state.slots[slot].process = worker
                state.stats.workerRestarts += 1
                EngineMetrics.workerRestarts.increment()
                dispatch(&state)
            } else if state.slots.allSatisfy({ $0.process == nil }) {
                failed = state.pending.values.map(\.complete)
                state.pending.removeAll()
                state.queued.removeAll()
                state.solo.removeAll()
            }
        }
        for complete in failed { complete(.failure(failure ?? RuntimeError.shutDown)) }
    }

    private func start(slot: Int, generation: Int) throws -> RemoteWorker {
        let started = try options.launch.start(memoryLimit: options.memoryLimit)
        let worker = RemoteWorker(started, label: "worker \(slot + 1) pid \(started.pid)", onReplies: { [weak self] replies in
            self?.received(replies, slot: slot, generation: generation)
        }, onExit: { [weak self] status, words in
            self?.exited(slot: slot, generation: generation, status: status, lastWords: words)
        })
        if let prelude = options.prelude?() {
            // Task number 0 is no task: its answer is dropped.
            let name = Array(prelude.function.utf8)
            worker.send(urgent: true) { WireFrame.appendRun(task: 0, function: name, input: prelude.input, to: &$0) }
        }
        return worker
    }

    private func describe(status: Int32, lastWords: String) -> WorkerDeath {
        let signalled = status & 0x7f
        if let memoryLimit = options.memoryLimit, lastWords.contains("allocate") {
            return .outOfMemory(limit: memoryLimit, lastWords: lastWords)
        }
        if signalled != 0 && signalled != 0x7f { return .signal(signalled, lastWords: lastWords) }
        return .exited((status >> 8) & 0xff, lastWords: lastWords)
    }

    /// Kills a worker whose oldest task has run past its time limit.
    private func watchdog() {
        while !watchdogStop.load(ordering: .relaxed) {
            usleep(5_000)
            let now = SocketIO.now()
            state.withLock { state in
                for index in state.slots.indices {
                    guard let process = state.slots[index].process, state.slots[index].killedFor == nil,
                          let head = state.slots[index].inFlight.first, let task = state.pending[head] else { continue }
                    let since = state.slots[index].busySince
                    if now > since && now - since > task.timeout {
                        state.slots[index].killedFor = .timedOut(limit: .nanoseconds(Int64(task.timeout)))
                        process.kill()
                    }
                }
            }
        }
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds / 1_000_000_000))
    }
}

/// Counts of a worker pool's work.
public struct RemoteStats: Sendable, Equatable {
    /// Tasks that ran to an answer (a result or an error the function threw).
    public var tasksRun = 0
    /// Workers that died (any cause but the pool's own shutdown).
    public var workerDeaths = 0
    /// Workers started in place of dead ones.
    public var workerRestarts = 0
}

private struct PendingTask {
    let function: String
    let name: [UInt8]
    let input: [UInt8]
    let complete: WorkerPool.Completion
    var errorRetries: Int
    let deathRetries: Int
    let timeout: UInt64
    var deaths = 0
    var lastDeath: WorkerDeath?
}

private struct Slot {
    var process: RemoteWorker?
    /// Sent and not answered, oldest (the one running) first.
    var inFlight = Deque<UInt64>()
    /// Running a suspect alone: nothing else is sent to it.
    var exclusive = false
    /// When the oldest task in flight started, as far as the pool can tell.
    var busySince: UInt64 = 0
    /// Why the pool killed it, when it did.
    var killedFor: WorkerDeath?
    /// Bumped on each death, so late reports of a dead worker are ignored.
    var generation = 0
    var answeredAny = false
}

private struct PoolState {
    var slots: [Slot] = []
    var pending: [UInt64: PendingTask] = [:]
    var queued = Deque<UInt64>()
    var solo = Deque<UInt64>()
    var nextTask: UInt64 = 1
    var closed = false
    var failedStarts = 0
    var stats = RemoteStats()
}
