import Connectors
import Foundation
import Operators
public import Stream
import Synchronization

/// W4, a realistic Kafka pipeline: `clickstream`'s shape — JSON clicks from 4 partitions of the
/// embedded broker, decoded, keyed dedupe (a user's first visit to a page in 60 s), a 5 s
/// tumbling count per page, to a Kafka topic and a CSV file — with a checkpoint every second,
/// exactly once, over `records` clicks. The embedded broker keeps only about 5 MiB a partition,
/// so the clicks go in in rounds that fit: each round is produced, then read by the job (restored
/// from the previous round's checkpoint, stopped with a final one when it has read the round; the
/// last round runs to the end of input, so the last windows fire), then read again by a bare
/// librdkafka loop from the same offsets. Both times include their start (the job's restore, the
/// bare consumer's connection). The CSV output is checked against a plain computation.
///
/// ```swift
/// try await PipelineBenchmark(records: 5_000_000).run { print($0) }
/// ```
public struct PipelineBenchmark: Sendable {
    public var records: Int
    public var runs: Int
    public var workers: Int
    public var dataDirectory: String
    /// Clicks per round: within what the embedded broker keeps on 4 partitions.
    public var roundSize = 200_000

    public init(records: Int = 5_000_000, runs: Int = 3, workers: Int = Runtime.defaultWorkerCount, dataDirectory: String = "bench-data") {
        self.records = max(1, records)
        self.runs = max(1, runs)
        self.workers = workers
        self.dataDirectory = dataDirectory
    }

    struct Click: Codable {
        var time: Int64
        var user: String
        var page: String
    }

    struct PageCount: CSVEncodable {
        var windowEnd: Int64
        var page: String
        var clicks: Int
        func encode(csv line: inout CSVLine) {
            line.append(windowEnd)
            line.append(page)
            line.append(clicks)
        }
    }

    /// Click `index`: 10,000 clicks a second of event time, in order; 2,000 users, 50 pages (so
    /// the dedupe holds at most 100,000 keys, and most clicks are repeat visits it drops).
    static func click(_ index: Int) -> Click {
        var random = SeededRandom(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        return Click(time: 1_700_000_000_000 + Int64(index / 10), user: "user-\(random.next() % 2_000)", page: "/page/\(random.next() % 50)")
    }

    public func run(report: (String) -> Void) async throws {
        var pipelineRates: [Double] = []
        var bareRates: [Double] = []
        for _ in 0..<runs {
            let measured = try await measureOnce(report: report)
            pipelineRates.append(measured.pipeline)
            bareRates.append(measured.bare)
        }
        let name = "W4 \(Figure.format(Double(records))) clicks"
        report(Figure(name: "\(name), pipeline", unit: "records/s", samples: pipelineRates).line)
        report(Figure(name: "\(name), bare librdkafka loop", unit: "records/s", samples: bareRates).line)
        report(Figure(name: "\(name), pipeline ÷ bare loop", unit: "×", samples: zip(pipelineRates, bareRates).map { $0 / $1 }).line)
    }

    func measureOnce(report: (String) -> Void) async throws -> (pipeline: Double, bare: Double) {
        let kafka = try EmbeddedKafka(topics: ["clicks": 4, "page-counts": 4])
        let directory = "\(dataDirectory)/w4"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = "\(directory)/page-counts.csv"
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "5"])
        let encoder = JSONEncoder()
        var produced = 0
        var pipelineSeconds = 0.0
        var bareSeconds = 0.0
        var bareRead = 0
        var rounds = 0
        let runtime = Runtime(workers: workers)
        defer { runtime.shutdown() }
        while produced < records {
            let count = min(roundSize, records - produced)
            let before = try KafkaBaseline.offsets(topic: "clicks", bootstrapServers: kafka.bootstrapServers)
            for index in produced..<(produced + count) {
                let click = Self.click(index)
                try producer.send(topic: "clicks", key: Array(click.user.utf8), value: Array(try encoder.encode(click)), timestamp: click.time)
            }
            try producer.flush(timeout: .seconds(120))
            // Nothing of the round may be gone before it is read: that would be records lost.
            for (partition, now) in try KafkaBaseline.offsets(topic: "clicks", bootstrapServers: kafka.bootstrapServers)
            where now.start > before[partition]?.end ?? 0 {
                throw StreamError(.invalidJob, step: "w4", action: "produce",
                                  message: "the embedded broker's retention dropped unread records of partition \(partition); use smaller rounds")
            }
            produced += count
            let isLast = produced == records
            let control = RunControl()
            pipelineSeconds += try await seconds {
                _ = try await roundJob(bootstrapServers: kafka.bootstrapServers, output: output, stopAfter: count, untilEnd: isLast, control: control)
                    .run(on: runtime, options: RunOptions(checkpointDirectory: "\(directory)/state", checkpointInterval: .seconds(1),
                                                           restore: rounds == 0 ? nil : .latest, control: control))
            }
            let starts = before.mapValues(\.end)
            var read = 0
            bareSeconds += try await seconds {
                read = try KafkaBaseline.consume(topic: "clicks", from: starts, bootstrapServers: kafka.bootstrapServers,
                                                 properties: ["fetch.wait.max.ms": "10"])
            }
            guard read == count else {
                throw StreamError(.invalidJob, step: "w4", action: "bare loop", message: "read \(read) records of the round's \(count)")
            }
            bareRead += read
            rounds += 1
        }
        try check(output: output)
        report("W4 \(Figure.format(Double(records))) clicks in \(rounds) rounds: output matches the reference computation")
        return (Double(records) / pipelineSeconds, Double(bareRead) / bareSeconds)
    }

    /// The job for one round: `clickstream`'s shape. It stops once it has read `stopAfter`
    /// records (a final checkpoint, no early windows), or with `untilEnd` runs to the end of input.
    func roundJob(bootstrapServers: String, output: String, stopAfter: Int, untilEnd: Bool, control: RunControl) -> Job {
        let job = Job("w4")
        let seen = Atomic<Int>(0)
        let counts = job.source("clicks", .kafkaJSON(["clicks"], as: Click.self, bootstrapServers: bootstrapServers,
                                                     properties: ["fetch.wait.max.ms": "10"],
                                                     watermark: .boundedOutOfOrderness(.seconds(2)), timestamp: { $0.time }, untilEnd: untilEnd))
            .transform("stop-after-round") { batch in
                if !untilEnd && seen.add(batch.count, ordering: .relaxed).newValue >= stopAfter { control.stop() }
                return batch
            }
            .keyed(by: { "\($0.user) \($0.page)" })
            .dedupe("first-visits", within: .seconds(60))
            .keyed(by: \.page)
            .window("per-page", .tumbling(.seconds(5)))
            .aggregate(.count())
        let rows = counts.results.map { PageCount(windowEnd: $0.window.end, page: $0.key, clicks: $0.value) }
        rows.sink("page-counts-file", .csvFile(output))
        rows.sink("page-counts-topic", .kafka("page-counts", bootstrapServers: bootstrapServers,
                                             key: { Array($0.page.utf8) }, value: { Array("\($0.windowEnd),\($0.page),\($0.clicks)".utf8) }))
        counts.late.map { "\($0)" }.sink("late", .textFile(output + ".late"))
        return job
    }

    /// The output against a plain computation: per user and page, a click kept if none was kept
    /// in the 60 s before it; kept clicks counted per page per 5 s window.
    func check(output: String) throws {
        var lastKept: [String: Int64] = [:]
        var windows: [String: Int] = [:]
        for index in 0..<records {
            let click = Self.click(index)
            let key = "\(click.user) \(click.page)"
            if let last = lastKept[key], click.time - last < 60_000 { continue }
            lastKept[key] = click.time
            let end = click.time - click.time % 5_000 + 5_000
            windows["\(end),\(click.page)", default: 0] += 1
        }
        let expected = windows.map { "\($0.key),\($0.value)" }.sorted()
        let actual = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
        let late = (try? String(contentsOfFile: output + ".late", encoding: .utf8)) ?? ""
        guard late.isEmpty, actual == expected else {
            throw StreamError(.invalidJob, step: "w4", action: "check",
                              message: "\(actual.count) rows (late: \(late.split(separator: "\n").count)) differ from the reference's \(expected.count)")
        }
    }
}
