import Connectors
import Foundation
import Stream

/// Scale-out through Kafka: `clickstream` run as separate `stream-job` processes against a broker
/// in this process — without a group (no exchange), and as a group of 1, 2 and 3 instances (two
/// exchanges: the dedupe's and the window's) — timed over the same clicks, then the takeover
/// time after a SIGKILL. Each configuration gets a fresh broker, group and checkpoint directory.
///
/// The instances first take a small warm-up round and are timed only once its counts are out
/// (the group has formed and every task runs); then the measured round is produced and the clock
/// runs until every count of it is in the output topic, which is checked against a plain
/// computation. Takeover: with 2 instances running, one is killed and a small round produced;
/// the time from the kill to that round's last count is the time the dead instance's tasks took
/// to resume elsewhere (Kafka noticing, `session.timeout.ms`, the rebalance, the restores) and
/// to process it.
///
/// ```swift
/// try GroupBenchmark(clicks: 200_000).run { print($0) }
/// ```
public struct GroupBenchmark: Sendable {
    public var clicks: Int
    public var runs: Int
    public var workers: Int
    public var sessionTimeoutMilliseconds = 6_000
    public var dataDirectory: String

    public init(clicks: Int = 200_000, runs: Int = 3, workers: Int = 1, dataDirectory: String = "bench-data") {
        self.clicks = max(1, clicks)
        self.runs = max(1, runs)
        self.workers = max(1, workers)
        self.dataDirectory = dataDirectory
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Click `index` of round `round`: 10,000 clicks a second of event time, 2,000 users (each in
    /// one partition), 50 pages; each round an hour of event time after the one before.
    static func click(_ index: Int, round: Int) -> PipelineBenchmark.Click {
        var random = SeededRandom(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(round) &+ 1)
        return PipelineBenchmark.Click(time: 1_700_000_000_000 + Int64(round) * 3_600_000 + Int64(index / 10),
                                       user: "user-\(random.next() % 2_000)", page: "/page/\(random.next() % 50)")
    }

    public func run(report: (String) -> Void) throws {
        var rates: [String: [Double]] = [:]
        var takeovers: [Double] = []
        let configurations = [("one process, no exchange", 0), ("group of 1 instance", 1), ("group of 2 instances", 2), ("group of 3 instances", 3)]
        for run in 0..<runs {
            for (name, instances) in configurations {
                let measured = try measure(instances: instances, tag: "r\(run)-i\(instances)", takeover: instances == 2)
                rates[name, default: []].append(measured.rate)
                if let takeover = measured.takeover { takeovers.append(takeover) }
                report("  run \(run + 1), \(name): \(Figure.format(measured.rate)) clicks/s" + (measured.takeover.map { ", takeover \(String(format: "%.1f", $0)) s" } ?? ""))
            }
        }
        report("every run's output topic matches the plain computation, count for count")
        let plain = rates[configurations[0].0]!
        for (name, _) in configurations { report(Figure(name: name, unit: "clicks/s", samples: rates[name]!).line) }
        report(Figure(name: "group of 1 ÷ no exchange (the exchanges' cost)", unit: "×", samples: zip(rates[configurations[1].0]!, plain).map { $0 / $1 }).line)
        report(Figure(name: "group of 2 ÷ group of 1", unit: "×", samples: zip(rates[configurations[2].0]!, rates[configurations[1].0]!).map { $0 / $1 }).line)
        report(Figure(name: "group of 3 ÷ group of 1", unit: "×", samples: zip(rates[configurations[3].0]!, rates[configurations[1].0]!).map { $0 / $1 }).line)
        report(Figure(name: "takeover after SIGKILL (session timeout \(sessionTimeoutMilliseconds) ms)", unit: "s", samples: takeovers).line)
    }

    /// One configuration: 0 instances means one process without a group.
    func measure(instances: Int, tag: String, takeover: Bool) throws -> (rate: Double, takeover: Double?) {
        let group = "bench-\(tag)"
        var topics = ["clicks": 4, "page-counts": 4]
        if instances > 0 { for step in ["first-visits", "per-page"] { topics["\(group).\(step).repartition"] = 4 } }
        let kafka = try EmbeddedKafka(topics: topics)
        let directory = "\(dataDirectory)/group-\(tag)"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var arguments = ["run", "clickstream", "--set", "bootstrap=\(kafka.bootstrapServers)", "--set", "output=\(directory)/out/page-counts.csv",
                         "--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "1s", "--workers", "\(workers)", "--quiet"]
        if instances > 0 { arguments += ["--set", "group=\(group)", "--set", "session-timeout-ms=\(sessionTimeoutMilliseconds)"] }
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "5"])
        var expected: [String] = []
        func send(_ count: Int, round: Int) throws {
            var reference = PipelineBenchmark.Reference()
            for index in 0..<count {
                let click = Self.click(index, round: round)
                _ = reference.add(click)
                let partition = Int32(Int(click.user.dropFirst(5))! % 4)
                try producer.send(topic: "clicks", partition: partition, key: Array(click.user.utf8), value: click.json, timestamp: click.time)
            }
            // A later click in every partition moves every watermark past the round's windows.
            let late = Self.click(count + 10_000_000, round: round)
            for partition in Int32(0)..<4 {
                let json = #"{"time":\#(late.time),"user":"late","page":"/sentinel"}"#
                try producer.send(topic: "clicks", partition: partition, key: nil, value: Array(json.utf8), timestamp: late.time)
            }
            try producer.flush(timeout: .seconds(120))
            expected += reference.windows.map { "\($0.key),\($0.value)" }
        }
        var processes = try (0..<max(1, instances)).map { index in try Self.start(arguments, log: "\(directory)/instance-\(index).txt") }
        defer { for process in processes where process.isRunning { process.terminate(); process.waitUntilExit() } }
        try send(2_000, round: 0)
        try waitForCounts(expected.count, kafka: kafka, processes: processes, directory: directory, timeout: 120)
        let started = monotonicNanos()
        try send(clicks, round: 1)
        try waitForCounts(expected.count, kafka: kafka, processes: processes, directory: directory, timeout: 600)
        let rate = Double(clicks) / (Double(monotonicNanos() - started) / 1e9)
        var takeoverSeconds: Double?
        if takeover {
            let killed = monotonicNanos()
            kill(processes[0].processIdentifier, SIGKILL)
            processes[0].waitUntilExit()
            try send(2_000, round: 2)
            try waitForCounts(expected.count, kafka: kafka, processes: Array(processes.dropFirst()), directory: directory, timeout: 300)
            takeoverSeconds = Double(monotonicNanos() - killed) / 1e9
            processes.removeFirst()
        }
        let written = try KafkaBaseline.values(in: "page-counts", bootstrapServers: kafka.bootstrapServers)
            .map { String(decoding: $0, as: UTF8.self) }.filter { !$0.contains("sentinel") }
        guard written.sorted() == expected.sorted() else {
            throw Failed(description: "\(tag): the output topic holds \(written.count) counts, not the \(expected.count) expected (or other ones)")
        }
        return (rate, takeoverSeconds)
    }

    static func start(_ arguments: [String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ChildRun.currentExecutable)
        process.arguments = arguments
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Waits until the output topic holds `count` counts (sentinels aside).
    func waitForCounts(_ count: Int, kafka: EmbeddedKafka, processes: [Process], directory: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let total = try KafkaBaseline.offsets(topic: "page-counts", bootstrapServers: kafka.bootstrapServers).values.reduce(0) { $0 + Int($1.end) }
            if total >= count { return }
            if let dead = processes.first(where: { !$0.isRunning }) {
                throw Failed(description: "an instance exited with status \(dead.terminationStatus); see \(directory)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw Failed(description: "the counts were not all out after \(Int(timeout)) s; see \(directory)")
    }
}
