import Connectors
import Foundation
public import Samples
public import Stream

/// Nexmark: each query's pipeline over N events, from the three CSV files (written once under the
/// data directory by the Swift generator, byte for byte `gen_nexmark`'s) or generated in memory.
/// Each run is `stream-job run nexmark-<q>` in a child process of this binary, measured alone
/// (as `FLINK.md` measures Flink's process tree): wall time, events/s over all N events (persons
/// and auctions too), steady-state events/s between the smallest and largest N, peak resident
/// memory, output rows, and the ratio of events/s to a C loop's that reads and parses bid.csv
/// on one core in the same run (the yardstick: `Benchmarks/c/nexmark_parse.c`). The pipelines format their rows as CSV lines but keep only the lines'
/// count and fingerprint (`--set digest=true`, a `.csvDigest` sink), as Flink's figures use a
/// discarding sink; every run's digest is checked against `NexmarkReference`'s, computed here,
/// in the parent, so it does not count in the memory figure.
///
/// ```swift
/// try await NexmarkBenchmark(events: [1_000_000], queries: ["q0", "q5"]).run { print($0) }
/// ```
public struct NexmarkBenchmark: Sendable {
    public enum Input: String, Sendable { case files, generator }

    public var events: [Int]
    public var queries: [String]
    public var input: Input
    public var runs: Int
    public var workers: Int
    public var dataDirectory: String
    public var checksOutput = true

    public init(events: [Int], queries: [String] = NexmarkReference.queries, input: Input = .files, runs: Int = 3,
                workers: Int = Runtime.defaultWorkerCount, dataDirectory: String = "bench-data") {
        self.events = events
        self.queries = queries
        self.input = input
        self.runs = max(1, runs)
        self.workers = workers
        self.dataDirectory = dataDirectory
    }

    public func run(report: (String) -> Void) async throws {
        var walls: [String: [(count: Int, wall: Double)]] = [:]
        for count in events {
            let directory = "\(dataDirectory)/nexmark-\(count)"
            if input == .files && !FileManager.default.fileExists(atPath: "\(directory)/bid.csv") {
                let took = try await seconds { try Self.writeFiles(count: count, to: directory) }
                report("wrote \(directory)/{person,auction,bid}.csv in \(Figure.format(took)) s")
            }
            let yardstick = input == .files ? try cLoopSeconds(bids: "\(directory)/bid.csv", count: count, report: report) : nil
            let reference = checksOutput ? NexmarkEvents(count, generator: NexmarkGenerator()) : nil
            for query in queries {
                guard let pipeline = Pipelines.all.first(where: { $0.name == "nexmark-\(query)" }) else {
                    throw StreamError(.invalidJob, step: query, action: "bench", message: "no pipeline nexmark-\(query)")
                }
                let expected = reference.map { NexmarkReference.digest(query, $0) }
                let output = "\(dataDirectory)/nexmark-\(query)-out.digest"
                var arguments = ["run", pipeline.name, "--quiet", "--workers", "\(workers)", "--set", "output=\(output)",
                                 "--set", "generate=\(count)", "--set", "digest=true"]
                if input == .files { arguments += ["--set", "input=\(directory)"] }
                var samples: [Double] = []
                var peaks: [Double] = []
                var rows: Int64 = 0
                for _ in 0..<runs {
                    try? FileManager.default.removeItem(atPath: output)
                    let child = try ChildRun.run(ChildRun.currentExecutable, arguments)
                    guard child.status == 0 else {
                        throw StreamError(.invalidJob, step: query, action: "bench", message: "stream-job \(arguments.joined(separator: " ")) failed (\(child.status))")
                    }
                    samples.append(child.seconds)
                    peaks.append(Double(child.peakBytes) / 1_048_576)
                    guard let digest = CSVDigest(try String(contentsOfFile: output, encoding: .utf8)) else {
                        throw StreamError(.invalidJob, step: query, action: "check", message: "\(output) holds no digest")
                    }
                    rows = digest.rows
                    if let expected, digest != expected {
                        throw StreamError(.invalidJob, step: query, action: "check",
                                          message: "output \(digest) differs from the reference's \(expected)")
                    }
                }
                if expected != nil { report("\(query) \(Figure.format(Double(count))) events: every run's output matches the reference (\(rows) rows)") }
                try? FileManager.default.removeItem(atPath: output)
                let name = "\(query) \(Figure.format(Double(count))) events"
                let wall = Figure(name: "\(name), wall", unit: "s", samples: samples)
                report(wall.line)
                report(Figure(name: "\(name), events/s", unit: "events/s", samples: samples.map { Double(count) / $0 }).line)
                report(Figure(name: "\(name), peak memory", unit: "MB", samples: peaks).line)
                if let yardstick {
                    report(Figure(name: "\(name), ÷ C parse loop", unit: "×", samples: samples.map { yardstick / $0 }).line)
                }
                report("\(name), output rows".rightPadded(to: 44) + "\(rows)".leftPadded(to: 14))
                walls[query, default: []].append((count, wall.median))
            }
        }
        for query in queries {
            guard let sizes = walls[query], sizes.count >= 2, let small = sizes.first, let large = sizes.last, large.wall > small.wall else { continue }
            report(Figure(name: "\(query) steady state (\(Figure.format(Double(small.count)))→\(Figure.format(Double(large.count))))",
                          unit: "events/s", samples: [Double(large.count - small.count) / (large.wall - small.wall)]).line)
        }
    }

    /// The yardstick, measured in this run: `Benchmarks/c/nexmark_parse.c` (built with `cc`)
    /// reading and parsing bid.csv on one core, median of `runs`; nil (said so) without `cc`.
    func cLoopSeconds(bids: String, count: Int, report: (String) -> Void) throws -> Double? {
        guard let binary = CYardstick.build("nexmark_parse", into: dataDirectory, report: report)?.binary else { return nil }
        var samples: [Double] = []
        for _ in 0..<runs {
            let run = try ChildRun.run(binary, [bids, "-q"])
            guard run.status == 0 else { throw StreamError(.io, step: "nexmark_parse", action: "bench", message: "the C loop failed (\(run.status))") }
            samples.append(run.seconds)
        }
        let figure = Figure(name: "C loop \(Figure.format(Double(count))) events, events/s", unit: "events/s",
                            samples: samples.map { Double(count) / $0 })
        report(figure.line)
        return samples.sorted()[samples.count / 2]
    }

    /// The first `count` events as `gen_nexmark` writes them: person.csv, auction.csv, bid.csv.
    static func writeFiles(count: Int, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let generator = NexmarkGenerator()
        var buffers: [String: [UInt8]] = ["person": [], "auction": [], "bid": []]
        var handles: [String: FileHandle] = [:]
        for name in buffers.keys {
            let path = "\(directory)/\(name).csv.part"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            handles[name] = FileHandle(forWritingAtPath: path)
        }
        func flush(_ name: String, atLeast bytes: Int) throws {
            guard buffers[name]!.count >= bytes else { return }
            try handles[name]!.write(contentsOf: buffers[name]!)
            buffers[name]!.removeAll(keepingCapacity: true)
        }
        for index in 0..<Int64(count) {
            switch generator.event(index) {
            case .person(let person): person.appendCSVLine(to: &buffers["person"]!); try flush("person", atLeast: 1 << 20)
            case .auction(let auction): auction.appendCSVLine(to: &buffers["auction"]!); try flush("auction", atLeast: 1 << 20)
            case .bid(let bid): bid.appendCSVLine(to: &buffers["bid"]!); try flush("bid", atLeast: 1 << 20)
            }
        }
        for name in buffers.keys {
            try flush(name, atLeast: 0)
            try handles[name]!.close()
            try FileManager.default.moveItem(atPath: "\(directory)/\(name).csv.part", toPath: "\(directory)/\(name).csv")
        }
    }
}
