import Dispatch
import Logging
import Synchronization

/// A group job's share on this instance: it joins each sub-pipeline's consumer group and runs
/// every task the groups give it as a job run of its own (its own checkpoints under
/// `<directory>/<job>/tasks/<task>`, restored from the newest, so a task's state moves with its
/// partition), stopping a task — with a final checkpoint — before the group gives it to another
/// instance. A task that fails stops the instance with its error; a stop request stops every task.
///
/// ```swift
/// try await GroupRun(job: job, plan: plan, runtime: runtime, clock: clock, options: options).run()
/// ```
final class GroupRun<C: Clock<Duration>>: Sendable {
    private struct TaskKey: Hashable, Sendable {
        var subPipeline: Int
        var partition: Int
    }

    private struct RunningTask: Sendable {
        let control: RunControl
        let run: Task<Void, Never>
    }

    private struct State {
        var running: [TaskKey: RunningTask] = [:]
        var stopping = false
        var failure: (any Error)?
        var summary = JobSummary()
        var stopped: CheckedContinuation<Void, Never>?
    }

    private let job: Job
    private let plan: GroupPlan
    private let runtime: Runtime
    private let clock: C
    private let options: RunOptions
    private let state = Mutex(State())
    private let log = Logger(label: "stream.group")

    init(job: Job, plan: GroupPlan, runtime: Runtime, clock: C, options: RunOptions) {
        self.job = job
        self.plan = plan
        self.runtime = runtime
        self.clock = clock
        self.options = options
    }

    func run() async throws -> JobSummary {
        guard options.replayOutputDirectory == nil else {
            throw StreamError(.invalidJob, job: job.name, action: "replay", message: "a group job cannot be replayed as a whole: its tasks are checkpointed one by one")
        }
        if options.checkpointDirectory == nil {
            log.warning("job '\(job.name)' runs as a group without a checkpoint directory: a task that moves to another instance starts without its state, and its output is at least once")
        }
        let coordination = plan.group.coordination
        var members: [any GroupMember] = []
        do {
            try await offPool { [plan] in
                for endpoint in plan.exchanges.values.sorted(by: { $0.step < $1.step }) {
                    try coordination.ensureTopic(endpoint.topic, partitions: endpoint.partitions)
                }
            }
            for (index, sub) in plan.subPipelines.enumerated() {
                let member = try await offPool { [self] in
                    try coordination.join(group: sub.group, topic: sub.taskTopic, tasks: TaskListener(
                        assigned: { [self] member, partitions in start(index, partitions, member: member) },
                        revoked: { [self] partitions in stop(index, partitions) }))
                }
                members.append(member)
            }
        } catch {
            await leave(members)
            throw error
        }
        log.info("job '\(job.name)' joined its groups: \(plan.subPipelines.map { "'\($0.group)' over \($0.taskTopic) (\($0.tasks) tasks)" }.joined(separator: ", "))")
        options.control.onStop { [self] in stopAll() }
        await withCheckedContinuation { continuation in
            let already = state.withLock { state -> Bool in
                if state.stopping { return true }
                state.stopped = continuation
                return false
            }
            if already { continuation.resume() }
        }
        let running = state.withLock { $0.running.values.map(\.run) }
        for task in running { await task.value }
        await leave(members)
        return try state.withLock { state in
            if let failure = state.failure { throw failure }
            return state.summary
        }
    }

    /// Starts the tasks of `partitions` (on the member's thread, when the group assigns them).
    private func start(_ subPipeline: Int, _ partitions: [Int], member: any GroupMember) {
        for partition in partitions.sorted() {
            let key = TaskKey(subPipeline: subPipeline, partition: partition)
            let scope = plan.scope(subPipeline: subPipeline, partition: partition, member: member)
            var taskOptions = options
            taskOptions.control = RunControl()
            taskOptions.task = scope
            taskOptions.restore = options.checkpointDirectory == nil ? nil : .latest
            let admitted = state.withLock { !$0.stopping && $0.running[key] == nil }
            guard admitted else { continue }
            log.info("job '\(job.name)': task \(scope.name) starts here")
            let runOptions = taskOptions
            let run = Task { [self] in await runTask(scope, options: runOptions) }
            let stopNow = state.withLock { state in
                state.running[key] = RunningTask(control: taskOptions.control, run: run)
                return state.stopping
            }
            if stopNow { taskOptions.control.stop() }
        }
    }

    /// Runs one task to its end; its failure stops the instance.
    private func runTask(_ scope: TaskScope, options taskOptions: RunOptions) async {
        do {
            let summary = try await job.run(on: runtime, clock: clock, options: taskOptions)
            state.withLock { $0.summary.add(summary) }
        } catch {
            log.error("job '\(job.name)': task \(scope.name) failed: \(error)")
            state.withLock { state in if state.failure == nil { state.failure = error } }
            stopAll()
        }
    }

    /// Stops the tasks of `partitions` with a final checkpoint and waits until they are done (on
    /// the member's thread: the group gives the partitions away only after this returns).
    private func stop(_ subPipeline: Int, _ partitions: [Int]) {
        let stopping = state.withLock { state in
            partitions.compactMap { state.running.removeValue(forKey: TaskKey(subPipeline: subPipeline, partition: $0)) }
        }
        guard !stopping.isEmpty else { return }
        for task in stopping { task.control.stop() }
        let done = DispatchSemaphore(value: 0)
        Task {
            for task in stopping { await task.run.value }
            done.signal()
        }
        done.wait()
        log.info("job '\(job.name)': tasks \(partitions.sorted().map { "s\(subPipeline)-p\($0)" }.joined(separator: ", ")) stopped and checkpointed here")
    }

    /// Stops every task (a stop request, or a task's failure); `run` then waits for them.
    private func stopAll() {
        let (tasks, waiter) = state.withLock { state -> ([RunningTask], CheckedContinuation<Void, Never>?) in
            state.stopping = true
            defer { state.stopped = nil }
            return (Array(state.running.values), state.stopped)
        }
        for task in tasks { task.control.stop() }
        waiter?.resume()
    }

    private func leave(_ members: [any GroupMember]) async {
        _ = try? await offPool { for member in members { member.leave() } }
    }
}

/// Runs blocking calls (a group's network round trips) on a thread of their own, never on the
/// cooperative pool.
func offPool<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Swift.Result { try body() }) }
    }
}
