import Connectors
import Foundation
public import Stream

/// The runtime's worker processes, measured (`stream-job bench runtime --worker-processes N`):
/// remote empty tasks per second (submitted in one batch, one at a time, and one awaited
/// before the next), dependency-hop latency across processes, and W1 with its decode step
/// isolated in worker processes against the same job in one process, run by run.
///
/// ```swift
/// try await RemoteRuntimeBenchmark(processes: 2, runs: 3).run { print($0) }
/// ```
public struct RemoteRuntimeBenchmark: Sendable {
    public var processes: Int
    public var workers: Int
    public var runs: Int
    public var scale: Double
    public var dataDirectory: String
    /// W1 events for the isolated-decode comparison; 0 skips it.
    public var w1Events: Int

    public init(processes: Int, workers: Int = Runtime.defaultWorkerCount, runs: Int = 3, scale: Double = 1,
                dataDirectory: String = "bench-data", w1Events: Int = 2_000_000) {
        self.processes = processes
        self.workers = workers
        self.runs = max(1, runs)
        self.scale = scale
        self.dataDirectory = dataDirectory
        self.w1Events = w1Events
    }

    private func count(_ base: Int) -> Int { max(10, Int(Double(base) * scale)) }

    public func run(report: (String) -> Void) async throws {
        RemoteProbes.register()
        var samples: [String: (unit: String, values: [Double])] = [:]
        var order: [String] = []
        func record(_ name: String, _ unit: String, _ value: Double) {
            if samples[name] == nil { order.append(name) }
            samples[name, default: (unit, [])].values.append(value)
        }
        for _ in 0..<runs {
            let runtime = try Runtime(workers: workers, processes: WorkerPool.Options(
                count: processes, launch: WorkerLaunch(arguments: ["worker"])))
            // Started, and each worker's first answer in: start-up is not what is measured.
            _ = try await runtime.get(runtime.submitRemoteBatch(RemoteProbes.echo, Array(0..<(processes * 4))))
            try await batched(runtime, record)
            try await oneAtATime(runtime, record)
            try await roundTrips(runtime, record)
            try await hops(runtime, record)
            try await actorCalls(runtime, record)
            runtime.shutdown()
            // The yardstick, in the same run: the same calls on a runtime without worker
            // processes, where remote functions run as ordinary tasks.
            let local = Runtime(workers: workers)
            try await batched(local, record)
            try await roundTrips(local, record)
            local.shutdown()
        }
        for name in order {
            report(Figure(name: name, unit: samples[name]!.unit, samples: samples[name]!.values).line)
        }
        for (remote, local) in [(Self.batchedName(processes), Self.batchedName(nil)), (Self.roundTripName(processes), Self.roundTripName(nil))] {
            guard let remoteRuns = samples[remote]?.values, let localRuns = samples[local]?.values else { continue }
            report(Figure(name: "\(remote) ÷ in process", unit: "×", samples: zip(remoteRuns, localRuns).map { $0 / $1 }).line)
        }
        if w1Events > 0 { try isolatedDecode(report: report) }
    }

    private func batched(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(500_000)
        let inputs = Array(0..<n)
        let elapsed = try await seconds { _ = try await runtime.get(runtime.submitRemoteBatch(RemoteProbes.echo, inputs)) }
        record(Self.batchedName(runtime.processes == nil ? nil : processes), "tasks/s", Double(n) / elapsed)
    }

    static func batchedName(_ processes: Int?) -> String {
        processes.map { "remote empty tasks, \($0) processes, submitted in one batch" } ?? "the same tasks in process, submitted in one batch"
    }

    static func roundTripName(_ processes: Int?) -> String {
        processes.map { "remote task submitted and awaited, \($0) processes, one after another" } ?? "the same task in process, submitted and awaited"
    }

    private func oneAtATime(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(200_000)
        var refs: [TaskRef<Int>] = []
        refs.reserveCapacity(n)
        let elapsed = try await seconds {
            for index in 0..<n { refs.append(runtime.submitRemote(RemoteProbes.echo, index)) }
            _ = try await runtime.get(refs)
        }
        record("remote empty tasks, \(processes) processes, submitted one at a time", "tasks/s", Double(n) / elapsed)
    }

    private func roundTrips(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(20_000)
        var latencies: [Double] = []
        latencies.reserveCapacity(n)
        let elapsed = try await seconds {
            for index in 0..<n {
                let start = monotonicNanos()
                _ = try await runtime.submitRemote(RemoteProbes.echo, index).value
                latencies.append(Double(monotonicNanos() - start) / 1000)
            }
        }
        record(Self.roundTripName(runtime.processes == nil ? nil : processes), "tasks/s", Double(n) / elapsed)
        record("\(runtime.processes == nil ? "in-process" : "remote") task round trip p50", "µs", quantile(&latencies, 0.5))
    }

    /// Calls on an actor living in a worker process: all made, then all awaited; then one
    /// awaited before the next.
    private func actorCalls(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let tally = try runtime.remoteActor(RemoteProbes.tally)
        defer { tally.stop() }
        _ = try await tally.call(RemoteProbes.add, 0).value
        let n = count(500_000)
        var refs: [TaskRef<Int>] = []
        refs.reserveCapacity(n)
        let elapsed = try await seconds {
            for _ in 0..<n { refs.append(tally.call(RemoteProbes.add, 1)) }
            _ = try await runtime.get(refs)
        }
        guard try await refs[n - 1].value == n else {
            throw StreamError(.invalidJob, step: "remote actor", action: "bench", message: "the total is not the number of calls")
        }
        record("remote actor calls (each returns a future)", "calls/s", Double(n) / elapsed)
        let m = count(20_000)
        let awaited = try await seconds {
            for _ in 0..<m { _ = try await tally.call(RemoteProbes.add, 1).value }
        }
        record("remote actor call awaited, one after another", "calls/s", Double(m) / awaited)
    }

    /// A chain of remote tasks, each taking the one before as its input: a hop is from the end
    /// of one task's body, in one worker, to the start of the next one's.
    private func hops(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(20_000)
        var links = [runtime.submitRemote(RemoteProbes.stamp, [])]
        for _ in 1..<n { links.append(runtime.submitRemote(RemoteProbes.stamp, after: links[links.count - 1])) }
        let stamps = try await runtime.get(links)
        var hops = (1..<n).map { Double(stamps[$0][0] &- stamps[$0 - 1][1]) / 1000 }
        record("dependency hop across processes p50", "µs", quantile(&hops, 0.5))
        record("dependency hop across processes p99", "µs", quantile(&hops, 0.99))
    }

    /// `stream-job run w1-windows` three ways, each run in turn in the same round: numbers
    /// parsed in the file source, in a map step in the job's process, and in that step isolated
    /// in `processes` worker processes. Every output must be byte for byte the first one's
    /// (`bench window` checks that job's output against a reference).
    private func isolatedDecode(report: (String) -> Void) throws {
        let input = "\(dataDirectory)/w1-\(w1Events)-seed42.csv"
        if !FileManager.default.fileExists(atPath: input) {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            try W1Generator.writeCSV(count: w1Events, seed: 42, to: input)
        }
        let variants = ["source", "step", "isolated"]
        var walls: [String: [Double]] = [:]
        var firstOutput: Data?
        for _ in 0..<runs {
            for decode in variants {
                let output = "\(dataDirectory)/w1-\(w1Events)-\(decode).csv"
                let arguments = ["run", "w1-windows", "--quiet", "--set", "input=\(input)", "--set", "output=\(output)",
                                 "--set", "decode=\(decode)", "--workers", "\(workers)", "--worker-processes", decode == "isolated" ? "\(processes)" : "0"]
                let outcome = try ChildRun.run(ChildRun.currentExecutable, arguments)
                guard outcome.status == 0 else {
                    throw StreamError(.invalidJob, step: "w1-windows", action: "bench", message: "decode=\(decode) exited with \(outcome.status)")
                }
                // The same job parsing in another place: the same bytes out.
                let written = try Data(contentsOf: URL(fileURLWithPath: output)) + Data(contentsOf: URL(fileURLWithPath: output + ".late"))
                if let first = firstOutput, first != written {
                    throw StreamError(.invalidJob, step: "w1-windows", action: "check", message: "decode=\(decode) wrote other output than decode=source")
                }
                firstOutput = written
                walls[decode, default: []].append(outcome.seconds)
            }
        }
        let label = "W1 \(Figure.format(Double(w1Events))) events"
        for decode in variants {
            report(Figure(name: "\(label), decode=\(decode), events/s", unit: "events/s", samples: walls[decode]!.map { Double(w1Events) / $0 }).line)
        }
        let isolated = walls["isolated"]!
        report(Figure(name: "\(label), isolated decode ÷ decode in the source", unit: "×",
                      samples: zip(walls["source"]!, isolated).map { $0 / $1 }).line)
        report(Figure(name: "\(label), isolated decode ÷ the same step in process", unit: "×",
                      samples: zip(walls["step"]!, isolated).map { $0 / $1 }).line)
    }
}
