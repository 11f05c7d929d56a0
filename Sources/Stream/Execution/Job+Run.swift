import Logging

extension Job {
    /// Runs the job to the end of its input on `runtime` (or a new runtime with one worker per
    /// core), validating first. Every source is read at the same time. A job over a continuous
    /// source (a followed file, Kafka) runs until its task is cancelled, and then throws
    /// `CancellationError`, or until `options.control` asks it to stop. `clock` paces polling and
    /// checkpoints; tests pass a `TestClock`.
    ///
    /// With a checkpoint directory in `options`, checkpoints are taken every interval and at
    /// the end, and sinks commit their output with them (exactly once); `options.restore`
    /// resumes from one.
    ///
    /// ```swift
    /// let summary = try await job.run(options: RunOptions(checkpointDirectory: "state"))
    /// print(summary.recordsRead)
    /// ```
    @discardableResult
    public func run<C: Clock<Duration>>(on runtime: Runtime? = nil, clock: C = ContinuousClock(),
                                        options: RunOptions = RunOptions()) async throws -> JobSummary {
        try validate()
        for warning in warnings { Logger(label: "stream.job").warning("\(warning)") }
        EngineMetrics.errors(step: name).increment(by: 0)
        let ownRuntime = runtime == nil ? Runtime() : nil
        defer { ownRuntime?.shutdown() }
        let runtime = runtime ?? ownRuntime!
        let description = graph.withLock { $0 }
        if options.task == nil, description.steps.contains(where: { $0.group != nil }) {
            // Planning asks the cluster how many partitions the topics have.
            let plan = try await offPool { [name] in try GroupPlan.make(description, job: name)! }
            return try await GroupRun(job: self, plan: plan, runtime: runtime, clock: clock, options: options).run()
        }
        let restored = try checkpointToRestore(options)
        // Refused before anything is built, so a refused restore creates no output file.
        let named = description.steps.compactMap(\.name)
        try checkCompatible(restored, with: description, options: options)
        let deadLetters = description.steps.filter { $0.kind == .source }.compactMap { $0.name.map { "\($0)/dead-letters" } }
            + isolation.withLock { $0.isolated.values.filter { $0.deadLetters != nil }.map { "\($0.id)/dead-letters" } }
        let exchangeReaders: [String] = options.task?.exchanges.values.compactMap { role in
            if case .read(let endpoint) = role { endpoint.readerID } else { nil }
        } ?? []
        let exchangeWriters: [String] = options.task?.exchanges.values.compactMap { role in
            if case .write(let endpoint) = role { endpoint.writerID } else { nil }
        } ?? []
        try checkRestored(restored, stateful: named + deadLetters + exchangeWriters,
                          sources: description.steps.filter { $0.kind == .source }.compactMap(\.name) + exchangeReaders, warnAboutMissing: false,
                          allowNonRestoredState: options.allowNonRestoredState)
        let context = RunContext(runtime: runtime, job: self, clock: clock, options: options, restored: restored)
        let build = try ExecutionBuild.make(description, context: context)
        let sources = build.orderedSources
        try checkRestored(restored, stateful: context.statefulStepIDs, sources: sources.map(\.id), allowNonRestoredState: options.allowNonRestoredState)
        if restored != nil {
            let took = ContinuousClock.now - context.startedAt
            context.count { $0.restoreDuration = took }
        }
        var coordinator: CheckpointCoordinator?
        if options.takesCheckpoints, let directory = options.checkpointDirectory {
            let store = CheckpointStore(root: directory, job: checkpointName(options), retain: options.retainedCheckpoints,
                                        identity: CheckpointIdentity(steps: description.stateSignatures, settings: options.settings))
            coordinator = try CheckpointCoordinator(store: store, interval: options.checkpointInterval, startedAt: context.now()) { report in
                context.progress.checkpointed(report)
                if report.error == nil {
                    EngineMetrics.checkpoints.increment()
                    EngineMetrics.checkpointDuration.recordNanoseconds(report.duration.nanoseconds)
                    EngineMetrics.checkpointBytes.record(report.bytes)
                } else {
                    EngineMetrics.checkpointFailures.increment()
                }
                context.count { summary in
                    if report.error == nil { summary.checkpoints += 1 } else { summary.failedCheckpoints += 1 }
                    summary.lastCheckpoint = report
                }
            }
        }
        var driver = JobDriver(context: context, sources: sources, holds: build.holds, coordinator: coordinator)
        do {
            try await driver.run()
        } catch {
            await coordinator?.drain()
            EngineMetrics.errors(step: (error as? StreamError)?.step ?? name).increment()
            throw error
        }
        return context.summary
    }
    /// The checkpoint `options` asks to restore, read and verified; nil to start afresh. The log
    /// says which one is used.
    func checkpointToRestore(_ options: RunOptions) throws -> Checkpoint? {
        guard let point = options.restore else { return nil }
        guard let directory = options.checkpointDirectory else {
            throw StreamError(.invalidJob, job: name, action: "restore", message: "restoring needs a checkpoint directory")
        }
        let store = CheckpointStore(root: directory, job: checkpointName(options), retain: options.retainedCheckpoints)
        let log = Logger(label: "stream.checkpoint")
        let restored: Checkpoint?
        do {
            switch point {
            case .latest:
                restored = try newestCheckpoint(in: store)
            case .latestValid:
                restored = try store.latest(fallingBack: true)
            case .checkpoint(let id):
                restored = try store.read(id: id)
            }
        } catch let error as CheckpointError {
            throw StreamError(.stateful, job: name, action: "restore", message: "\(error)")
        }
        if let restored {
            let watermark = restored.manifest.watermark == EventTime.beginning ? "none" : "\(restored.manifest.watermark)"
            log.info("restoring job '\(name)' from chk-\(restored.manifest.id) in \(store.directory) (watermark \(watermark))")
        } else {
            let others = CheckpointStore.jobs(in: directory).filter { $0 != name }
            if others.isEmpty {
                log.info("no checkpoint of job '\(name)' in \(directory): starting afresh")
            } else {
                log.warning("no checkpoint of job '\(name)' in \(directory), which holds checkpoints of \(others.map { "'\($0)'" }.joined(separator: ", ")) (is the job's name right?): starting afresh")
            }
        }
        return restored
    }

    /// The newest restorable checkpoint; a corrupt newest one is an error naming it and the
    /// checkpoint to restore instead.
    private func newestCheckpoint(in store: CheckpointStore) throws -> Checkpoint? {
        for id in try store.ids().reversed() {
            do {
                return try store.read(id: id)
            } catch CheckpointError.uncommitted {
                continue
            } catch let error as CheckpointError {
                let fallback = try store.restorable(before: id)
                let advice = fallback.map { "`--restore chk-\($0)` (or `--restore latest-valid`) would use chk-\($0), the newest intact one" }
                    ?? "no older checkpoint is intact"
                throw StreamError(.stateful, job: name, action: "restore",
                                  message: "the newest checkpoint, chk-\(id), cannot be restored: \(error); \(advice)")
            }
        }
        return nil
    }

    /// Where the run's checkpoints go under the checkpoint directory: the job's name, or for a
    /// task of a group job `<job>/tasks/<task>` (the same on every instance, so a task's
    /// checkpoints are found by whichever instance runs it next).
    func checkpointName(_ options: RunOptions) -> String {
        options.task.map { "\(name)/tasks/\($0.name)" } ?? name
    }

    /// Checks the restored checkpoint's recorded state signatures against this pipeline's
    /// stateful steps (see ``CheckpointCompatibility``): a changed state type or state-shaping
    /// setting is refused, before anything is built; changed pipeline settings are logged.
    func checkCompatible(_ checkpoint: Checkpoint?, with description: JobGraph, options: RunOptions) throws {
        guard let checkpoint else { return }
        let check = CheckpointCompatibility(checkpoint: checkpoint.manifest, stateSteps: Set(checkpoint.states.keys),
                                            steps: description.stateSignatures, settings: options.settings)
        let refusals = check.refusals(allowingNonRestoredState: options.allowNonRestoredState)
        guard refusals.isEmpty else {
            throw StreamError(.stateful, job: name, action: "restore",
                              message: "checkpoint chk-\(checkpoint.manifest.id) does not fit this pipeline:\n  - " + refusals.joined(separator: "\n  - "))
        }
        for change in check.changes {
            if case .settingChanged = change { Logger(label: "stream.checkpoint").info("restoring chk-\(checkpoint.manifest.id): \(change.sentence)") }
        }
    }

    /// Checks that the restored checkpoint was written by this pipeline: every state it holds
    /// belongs to a step of this job, and every source it positions exists. Reports each
    /// mismatch by step; steps the checkpoint knows nothing of start empty.
    func checkRestored(_ checkpoint: Checkpoint?, stateful: [String], sources: [String], warnAboutMissing: Bool = true,
                       allowNonRestoredState: Bool = false) throws {
        guard let checkpoint else { return }
        var problems: [String] = []
        let known = Set(stateful)
        for step in checkpoint.states.keys.sorted() where !known.contains(step) {
            if allowNonRestoredState {
                if warnAboutMissing { Logger(label: "stream.checkpoint").warning("the state of step '\(step)' in chk-\(checkpoint.manifest.id) is dropped: this pipeline has no such step") }
            } else {
                problems.append("the checkpoint holds state for step '\(step)', which this pipeline does not have (renamed or removed?); --allow-non-restored-state drops it")
            }
        }
        for source in checkpoint.manifest.sources.keys.sorted() where !sources.contains(source) {
            problems.append("the checkpoint holds a position for source '\(source)', which this pipeline does not have")
        }
        guard problems.isEmpty else {
            throw StreamError(.stateful, job: name, action: "restore",
                              message: "checkpoint chk-\(checkpoint.manifest.id) does not match this pipeline:\n  - " + problems.joined(separator: "\n  - "))
        }
        for step in stateful where warnAboutMissing && checkpoint.states[step] == nil {
            Logger(label: "stream.checkpoint").warning("step '\(step)' has no state in chk-\(checkpoint.manifest.id): it starts empty")
        }
    }
}
