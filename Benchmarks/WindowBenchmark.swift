import Connectors
import Foundation
import Operators
public import Stream

/// W1 (see shared BENCHMARKS.md): a CSV file of events → tumbling 1 s event-time windows, count
/// and sum per key → a CSV file; the output is checked against a reference computation.
///
/// ```swift
/// try await WindowBenchmark(events: [1_000_000, 10_000_000]).run { print($0) }
/// ```
public struct WindowBenchmark: Sendable {
    public var events: [Int]
    public var runs: Int
    public var workers: Int
    public var dataDirectory: String
    public var seed: UInt64 = 42
    /// Whether to check the first run's output against the reference (skip only to profile).
    public var checksOutput = true
    /// Whether to measure, in the same run, the yardsticks the figures count against: the C
    /// loop (`Benchmarks/c/w1_roofline.c`) alone and two of it at once (whether the two cores
    /// really are two), and the job with one worker.
    public var againstC = false

    public init(events: [Int], runs: Int = 3, workers: Int = Runtime.defaultWorkerCount, dataDirectory: String = "bench-data") {
        self.events = events
        self.runs = max(1, runs)
        self.workers = workers
        self.dataDirectory = dataDirectory
    }

    /// One output row: `window_start_ms,key,count,sum`.
    struct Row: CSVEncodable {
        var windowStart: Int64
        var key: String
        var count: Int
        var sum: Int64
        func encode(csv line: inout CSVLine) {
            line.append(windowStart)
            line.append(key)
            line.append(count)
            line.append(sum)
        }
    }

    public func run(report: (String) -> Void) async throws {
        var medians: [(count: Int, wall: Double)] = []
        for count in events {
            let input = "\(dataDirectory)/w1-\(count)-seed\(seed).csv"
            if !FileManager.default.fileExists(atPath: input) {
                let took = try await seconds { try W1Generator.writeCSV(count: count, seed: seed, to: input) }
                report("wrote \(input) in \(Figure.format(took)) s")
            }
            let name = "W1 \(Figure.format(Double(count))) events"
            let cLoop = againstC ? try measureC(input: input, count: count, report: report) : nil
            // With yardsticks, each run is a C loop, the job and the job with one worker, one
            // right after the other: the host's speed drifts over a minute, so each ratio is
            // taken within its run and the figure is the median of those ratios.
            let single = againstC && workers > 1 ? { var single = self; single.workers = 1; return single }() : nil
            var walls: [Double] = []
            var peaks: [Double] = []
            var cRatios: [Double] = []
            var oneWorker: [Double] = []
            var workerRatios: [Double] = []
            for run in 0..<runs {
                let output = "\(dataDirectory)/w1-\(count)-out.csv"
                let late = "\(dataDirectory)/w1-\(count)-late.csv"
                let cSeconds = try cLoop.map { try runC($0, input: input, output: "\(dataDirectory)/w1-\(count)-c.csv") }
                resetPeakResident()
                let wall = try await seconds { _ = try await pipeline(input: input, output: output, late: late) }
                walls.append(wall)
                peaks.append(Double(peakResidentBytes()) / 1_048_576)
                if let cSeconds { cRatios.append(cSeconds / wall) }
                if run == 0 && checksOutput {
                    let check = try W1Check.verify(output: output, late: late, count: count, seed: seed)
                    report("\(name): output \(check)")
                    guard check.passed else { throw StreamError(.invalidJob, step: "w1", action: "check", message: "\(check)") }
                }
                if let single {
                    let one = try await seconds { _ = try await single.pipeline(input: input, output: output, late: late) }
                    oneWorker.append(one)
                    workerRatios.append(one / wall)
                }
            }
            let wall = Figure(name: "\(name), wall", unit: "s", samples: walls)
            report(wall.line)
            report(Figure(name: "\(name), events/s", unit: "events/s", samples: walls.map { Double(count) / $0 }).line)
            report(Figure(name: "\(name), peak memory", unit: "MB", samples: peaks).line)
            if cLoop != nil {
                report(Figure(name: "\(name), ÷ C loop", unit: "×", samples: cRatios).line)
            }
            if single != nil {
                report(Figure(name: "\(name), 1 worker, wall", unit: "s", samples: oneWorker).line)
                report(Figure(name: "\(name), \(workers) workers ÷ 1", unit: "×", samples: workerRatios).line)
                try reportCores(input: input, count: count, report: report)
            }
            medians.append((count, wall.median))
        }
        if medians.count >= 2, let small = medians.first, let large = medians.last, large.wall > small.wall {
            let steady = Double(large.count - small.count) / (large.wall - small.wall)
            report(Figure(name: "W1 steady state (\(Figure.format(Double(small.count)))→\(Figure.format(Double(large.count))))",
                          unit: "events/s", samples: [steady]).line)
        }
    }

    /// Builds the C loop and checks its output like the job's, then runs it `runs` times alone
    /// and `runs` times two at once (whether the two cores really are two); returns its binary
    /// (nil without a C compiler). The job's runs take their own C loop run each (``runC``).
    func measureC(input: String, count: Int, report: (String) -> Void) throws -> String? {
        guard let c = CYardstick.build("w1_roofline", into: dataDirectory, report: report) else { return nil }
        let output = "\(dataDirectory)/w1-\(count)-c.csv"
        let noLateRecords = "\(dataDirectory)/w1-\(count)-c-late.csv"
        _ = FileManager.default.createFile(atPath: noLateRecords, contents: nil)
        var alone: [Double] = []
        var together: [Double] = []
        for run in 0..<runs {
            alone.append(try runC(c.binary, input: input, output: output))
            if run == 0 && checksOutput {
                let check = try W1Check.verify(output: output, late: noLateRecords, count: count, seed: seed)
                guard check.passed else { throw StreamError(.invalidJob, step: "w1_roofline", action: "check", message: "\(check)") }
            }
            let pair = try ChildRun.runTogether([(c.binary, [input, output + ".1", "-q"]), (c.binary, [input, output + ".2", "-q"])])
            together += pair.map(\.seconds)
        }
        for file in [output, output + ".1", output + ".2", noLateRecords] { try? FileManager.default.removeItem(atPath: file) }
        let name = "C loop \(Figure.format(Double(count))) events"
        report(Figure(name: "\(name), events/s", unit: "events/s", samples: alone.map { Double(count) / $0 }).line)
        report(Figure(name: "\(name), two at once, each", unit: "events/s", samples: together.map { Double(count) / $0 }).line)
        return c.binary
    }

    /// One run of the C loop: its wall time in seconds.
    func runC(_ binary: String, input: String, output: String) throws -> Double {
        let outcome = try ChildRun.run(binary, [input, output, "-q"])
        guard outcome.status == 0 else { throw StreamError(.io, step: "w1_roofline", action: "bench", message: "the C loop failed (\(outcome.status))") }
        return outcome.seconds
    }

    /// One worker still leaves the driver's work (reading, splitting batches, the sink) to
    /// other threads, on the other core: it is not a one-core run. This runs the same job as
    /// `stream-job run w1-windows` in a child process pinned to one core (`taskset -c 0`,
    /// 1 worker) and free on all (`workers`), and prints the second core's speed-up.
    func reportCores(input: String, count: Int, report: (String) -> Void) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else {
            report("no one-core run: /usr/bin/taskset is missing")
            return
        }
        let output = "\(dataDirectory)/w1-\(count)-cores.csv"
        let job = ["run", "w1-windows", "--quiet", "--set", "input=\(input)", "--set", "output=\(output)"]
        var oneCore: [Double] = []
        var allCores: [Double] = []
        for _ in 0..<runs {
            let pinned = try ChildRun.run("/usr/bin/taskset", ["-c", "0", ChildRun.currentExecutable] + job + ["--workers", "1"])
            let free = try ChildRun.run(ChildRun.currentExecutable, job + ["--workers", "\(workers)"])
            guard pinned.status == 0, free.status == 0 else {
                throw StreamError(.invalidJob, step: "w1-windows", action: "bench", message: "stream-job run w1-windows failed")
            }
            oneCore.append(pinned.seconds)
            allCores.append(free.seconds)
        }
        for file in [output, output + ".late"] { try? FileManager.default.removeItem(atPath: file) }
        let name = "W1 \(Figure.format(Double(count))) events, run w1-windows"
        let pinned = Figure(name: "\(name) on 1 core, wall", unit: "s", samples: oneCore)
        let free = Figure(name: "\(name), \(workers) workers, wall", unit: "s", samples: allCores)
        report(pinned.line)
        report(free.line)
        report(Figure(name: "W1 \(Figure.format(Double(count))) events, \(workers) cores ÷ 1 core", unit: "×", samples: zip(oneCore, allCores).map { $0 / $1 }).line)
    }

    /// file → event time → keyed → tumbling 1 s → count + sum → file.
    func pipeline(input: String, output: String, late: String, options: RunOptions = RunOptions(),
                  stopAt: Int64? = nil) async throws -> JobSummary {
        let job = Job("w1")
        let control = options.control
        let windowed = job.source("events", .csvFile(input, as: W1Event.self))
            .transform("stop-at") { batch in
                if let stopAt, let last = batch.values.last, last.timestamp >= stopAt { control.stop() }
                return batch
            }
            .eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.seconds(2)))
            .keyed(by: \.key)
            .window("per-second", .tumbling(.seconds(1)))
            .aggregate(.count(), .sum(\.value))
        windowed.results
            .map { Row(windowStart: $0.window.start, key: $0.key, count: $0.value.0, sum: $0.value.1) }
            .sink("counts", .csvFile(output))
        windowed.late.sink("late", .csvFile(late))
        let runtime = Runtime(workers: workers)
        defer { runtime.shutdown() }
        return try await job.run(on: runtime, options: options)
    }
}
