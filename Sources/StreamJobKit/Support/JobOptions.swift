import ArgumentParser
import Foundation
import Logging
import Stream

/// The options every command that runs a pipeline shares. Each may also come from the job file
/// (`--config`) or a `STREAM_JOB_*` variable: file, then flags, then environment.
struct JobOptions: ParsableArguments {
    @Option(help: "A YAML job file (see docs/CONFIGURATION.md); STREAM_JOB_* variables override it, flags override both.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A pipeline setting, key=value (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Option(help: "The checkpoint directory: checkpoints go to <dir>/<job>/chk-<n>.")
    var checkpointDir: String?

    @Option(help: "Worker threads (default: one per core).")
    var workers: Int?

    @Option(help: "How often to checkpoint: 250ms, 1s, 1m … (default 10s; needs a checkpoint directory).")
    var checkpointInterval: String?

    @Option(help: "How many complete checkpoints to keep (default 3).")
    var retain: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?

    @Option(help: "Serve Prometheus metrics at http://<metrics-host>:<port>/metrics (0: any free port).")
    var metricsPort: Int?

    @Option(help: "The address the metrics endpoint listens on (default 127.0.0.1).")
    var metricsHost: String?

    @Option(help: "Serve the job's console API at http://<ui-host>:<port>/api/v1/ (0: any free port).")
    var uiPort: Int?

    @Option(help: "The address the console listens on (default 127.0.0.1).")
    var uiHost: String?

    @Flag(help: "No status line or periodic status log.")
    var quiet = false

    @Option(help: "Worker processes for isolated steps and remote tasks (default: 2 when the pipeline has isolated steps, else none).")
    var workerProcesses: Int?

    @Option(help: "Each worker process's memory limit, such as 512MiB or 2GiB (default 4GiB).")
    var workerMemoryLimit: String?

    @Option(help: "How long a batch may run in a worker before the worker is killed (default 60s).")
    var workerTaskTimeout: String?

    @Flag(help: "Run every stateless step over Codable records in the worker processes, as if each were isolated.")
    var isolateAll = false

    /// The settings from the job file, the environment and these flags, in that order: the
    /// flags, given for this one run, win.
    func resolve(pipeline: String?, restore: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> JobConfiguration {
        var configuration = JobConfiguration()
        if let config { try configuration.apply(file: config) }
        try configuration.apply(environment: environment)
        if let pipeline { configuration.pipeline = pipeline }
        let flags: [(JobConfiguration.Key, String?)] = [
            (.workers, workers.map(String.init)), (.checkpointDir, checkpointDir), (.checkpointInterval, checkpointInterval),
            (.retain, retain.map(String.init)), (.restore, restore), (.logLevel, logLevel),
            (.metricsPort, metricsPort.map(String.init)), (.metricsHost, metricsHost), (.quiet, quiet ? "true" : nil),
            (.uiPort, uiPort.map(String.init)), (.uiHost, uiHost),
            (.workerProcesses, workerProcesses.map(String.init)), (.workerMemoryLimit, workerMemoryLimit),
            (.workerTaskTimeout, workerTaskTimeout), (.isolateAll, isolateAll ? "true" : nil),
        ]
        for case let (key, text?) in flags { try configuration.set(key, text, origin: "--\(key.rawValue)") }
        for (key, value) in try Self.parseSettings(settings).values { configuration.settings[key] = value }
        return configuration
    }

    static func parseSettings(_ settings: [String]) throws -> PipelineSettings {
        var values: [String: String] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw ValidationError("--set \(setting): write key=value")
            }
            values[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
        }
        return PipelineSettings(values)
    }

    /// `given` with the declared defaults of the settings it leaves out.
    static func effectiveSettings(of pipeline: String, given: [String: String]) throws -> [String: String] {
        var effective: [String: String] = [:]
        for setting in try Registry.pipeline(named: pipeline).settings {
            if let value = setting.defaultValue { effective[setting.name] = value }
        }
        return effective.merging(given) { _, given in given }
    }

    static func building(_ name: String, settings: [String], validating: Bool) throws -> Job {
        try building(name, settings: try parseSettings(settings), validating: validating)
    }

    static func building(_ name: String, settings: PipelineSettings, validating: Bool) throws -> Job {
        let pipeline = try Registry.pipeline(named: name)
        do {
            try pipeline.check(settings)
        } catch let error as PipelineSettingError {
            throw ConfigurationError(description: "\(error); `\(Registry.current.commandName) pipelines \(name)` lists them")
        }
        let job: Job
        do {
            job = try pipeline.build(settings)
        } catch let error as PipelineSettingError {
            throw ConfigurationError(description: "\(error)")
        }
        if validating { try job.validate() }
        return job
    }
}

extension JobConfiguration {
    /// The job this configuration names, built (and validated, unless `validating` is false).
    func job(validating: Bool = true) throws -> Job {
        guard let pipeline else {
            throw ConfigurationError(description: "no pipeline given: name one (run <pipeline>) or set 'pipeline:' in the job file")
        }
        return try JobOptions.building(pipeline, settings: PipelineSettings(settings), validating: validating)
    }

    /// Throws for run options that cannot go together: a restore or a checkpoint interval
    /// without a checkpoint directory (the interval would be ignored: no checkpoint is taken).
    func checkRunOptions() throws {
        if restore != nil && checkpointDir == nil {
            throw ConfigurationError(description: "restoring needs a checkpoint directory (--checkpoint-dir or 'checkpoint-dir:')")
        }
        if checkpointInterval != nil && checkpointDir == nil {
            throw ConfigurationError(description: "a checkpoint interval needs a checkpoint directory (--checkpoint-dir or 'checkpoint-dir:'); without one no checkpoint is taken")
        }
    }

    /// Run options from this configuration, with the defaults for what it leaves out.
    func runOptions(replayInto directory: String? = nil) throws -> RunOptions {
        try checkRunOptions()
        var options = RunOptions(checkpointDirectory: checkpointDir, checkpointInterval: checkpointInterval ?? .seconds(10),
                                 retainedCheckpoints: retain ?? 3, restore: restore, replayOutputDirectory: directory)
        options.settings = effectiveSettings()
        options.allowNonRestoredState = allowNonRestoredState
        options.isolateStatelessSteps = isolateAll ?? false
        return options
    }

    /// The pipeline's settings as the job is built with them: those given, and the declared
    /// defaults of the rest (what a checkpoint records, to tell a later restore what changed).
    func effectiveSettings() -> [String: String]? {
        guard let pipeline else { return nil }
        // A pipeline that is not registered fails when the job is built, with its own message.
        return (try? JobOptions.effectiveSettings(of: pipeline, given: settings)) ?? settings
    }

    var runtimeWorkers: Int { workers ?? Runtime.defaultWorkerCount }

    /// Runs the configured job with everything around it: logging, the metrics endpoint, the
    /// status line, graceful stop on SIGINT/SIGTERM, and the closing line.
    func runJob(replayInto directory: String? = nil) async throws {
        bootstrapLogging()
        let built = try job()
        let options = try runOptions(replayInto: directory)
        var server: MetricsServer?
        if let metricsPort {
            let host = metricsHost ?? "127.0.0.1"
            do {
                server = try await MetricsServer.start(host: host, port: metricsPort)
            } catch {
                throw ConfigurationError(description: "cannot serve metrics on \(host):\(metricsPort): \(error)")
            }
            FileHandle.standardError.write(Data("metrics: http://\(host):\(server!.port)/metrics\n".utf8))
        }
        var console: HTTPEndpoint?
        if let uiPort {
            let host = uiHost ?? "127.0.0.1"
            let api = ConsoleAPI(job: built, pipeline: pipeline, settings: options.settings ?? settings, progress: options.progress)
            do {
                console = try await ConsoleServer.start(host: host, port: uiPort, api: api)
            } catch {
                throw ConfigurationError(description: "cannot serve the console on \(host):\(uiPort): \(error)")
            }
            FileHandle.standardError.write(Data("console: http://\(host):\(console!.port)/\n".utf8))
        }
        let runtime = try Runtime(workers: runtimeWorkers, processes: workerPool(for: built))
        let stop = GracefulStop(control: options.control)
        let status = StatusReporter(job: built.name, progress: options.progress, runtime: runtime, quiet: quiet ?? false)
        defer { status.stop() }
        let summary = try await built.run(on: runtime, options: options)
        status.stop()
        withExtendedLifetime(stop) {}
        reportFinished(built.name, summary, stopped: options.control.isStopRequested)
        await server?.stop()
        await console?.stop()
    }

    /// The worker processes for `job`'s isolated steps: `worker-processes` of them (by default
    /// 2 when a step is isolated), each this executable's `worker` command building the same
    /// pipeline with the same settings.
    func workerPool(for job: Job) throws -> WorkerPool.Options? {
        let count = workerProcesses ?? (job.hasIsolatedSteps || isolateAll == true ? 2 : 0)
        guard count > 0, let pipeline else { return nil }
        let settings = effectiveSettings() ?? [:]
        let arguments = ["worker", "--pipeline", pipeline] + settings.sorted { $0.key < $1.key }.flatMap { ["--set", "\($0.key)=\($0.value)"] }
        return WorkerPool.Options(count: count, launch: WorkerLaunch(arguments: arguments),
                                  taskTimeout: workerTaskTimeout ?? .seconds(60), memoryLimit: workerMemoryLimit ?? 4 << 30)
    }

    /// Sends log messages at `log-level` and above to standard error.
    func bootstrapLogging() {
        let level = logLevel ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
