import Connectors
import Foundation
import Operators
public import Stream
import Synchronization

/// W4, a realistic Kafka pipeline: `clickstream`'s shape — JSON clicks from 4 partitions of the
/// embedded broker, decoded, keyed dedupe (a user's first visit to a page in 60 s), a 5 s
/// tumbling count per page, to a Kafka topic and a CSV file — with a checkpoint every second,
/// exactly once, over `records` clicks.
///
/// The embedded broker keeps only about 5 MiB a partition, so the clicks go in in rounds that
/// fit, to one job that runs through all of them. While a round is produced the job's source is
/// held at the round before (its reader is not called; librdkafka may fetch ahead meanwhile, as
/// it does for the bare loop) and no clock runs; then the clock runs until the job has decoded
/// every click of the round and its dedupe has passed every click it keeps (the count the
/// reference computation expects). A bare librdkafka consumer, connected once and idle while
/// the round is produced, reads each round the same way. After the last round the job is stopped with a final checkpoint and
/// restored to run to the end of input, which fires the last windows (not timed); the CSV output
/// is then checked against a plain computation.
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

        /// The click as JSON, as `JSONEncoder` would write it (the names need no escaping).
        var json: [UInt8] { Array(#"{"time":\#(time),"user":"\#(user)","page":"\#(page)"}"#.utf8) }
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

    /// The job's and the bare loop's consumer settings. A whole round arrives at once: with
    /// librdkafka's default `queued.min.messages` (100,000) its prefetch queue fills, and
    /// librdkafka 2.0 then waits `fetch.error.backoff.ms` (500 ms) before fetching again.
    static let consumerProperties = ["fetch.wait.max.ms": "10", "queued.min.messages": "1000000"]

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
        let bare = try KafkaBaseline.Reader(topic: "clicks", bootstrapServers: kafka.bootstrapServers, properties: Self.consumerProperties)
        let runtime = Runtime(workers: workers)
        defer { runtime.shutdown() }
        let probe = Probe()
        let control = RunControl()
        let options = RunOptions(checkpointDirectory: "\(directory)/state", checkpointInterval: .seconds(1), control: control)
        let running = Task { [self] in
            defer { probe.ended.store(true, ordering: .releasing) }
            return try await job(bootstrapServers: kafka.bootstrapServers, output: output, untilEnd: false, probe: probe).run(on: runtime, options: options)
        }
        var reference = Reference()
        var produced = 0
        var kept = 0
        var pipelineSeconds = 0.0
        var bareSeconds = 0.0
        var rounds = 0
        do {
            while produced < records {
                let count = min(roundSize, records - produced)
                let before = try KafkaBaseline.offsets(topic: "clicks", bootstrapServers: kafka.bootstrapServers)
                for index in produced..<(produced + count) {
                    let click = Self.click(index)
                    if reference.add(click) { kept += 1 }
                    try producer.send(topic: "clicks", key: Array(click.user.utf8), value: click.json, timestamp: click.time)
                }
                try producer.flush(timeout: .seconds(120))
                // Nothing of the round may be gone before it is read: that would be records lost.
                for (partition, now) in try KafkaBaseline.offsets(topic: "clicks", bootstrapServers: kafka.bootstrapServers)
                where now.start > before[partition]?.end ?? 0 {
                    throw StreamError(.invalidJob, step: "w4", action: "produce",
                                      message: "the embedded broker's retention dropped unread records of partition \(partition); use smaller rounds")
                }
                produced += count
                probe.allowed.store(produced, ordering: .releasing)
                pipelineSeconds += try await seconds { try await probe.wait(read: produced, kept: kept) }
                bareSeconds += try await seconds { [count] in try await onOwnThread { try bare.read(count) } }
                rounds += 1
            }
        } catch {
            running.cancel()
            _ = try? await running.value
            throw error
        }
        control.stop()
        _ = try await running.value
        // The end of input fires the windows still open: a restored run that reads to the end.
        _ = try await job(bootstrapServers: kafka.bootstrapServers, output: output, untilEnd: true, probe: Probe())
            .run(on: runtime, options: RunOptions(checkpointDirectory: "\(directory)/state", checkpointInterval: .seconds(1), restore: .latest))
        try check(output: output, against: reference)
        report("W4 \(Figure.format(Double(records))) clicks in \(rounds) rounds to one running job: output matches the reference computation")
        return (Double(records) / pipelineSeconds, Double(records) / bareSeconds)
    }

    /// How far the running job has got: clicks decoded, and clicks its dedupe kept; and how
    /// many its source may deliver (the clicks produced in whole rounds).
    final class Probe: Sendable {
        let allowed = Atomic<Int>(0)
        let delivered = Atomic<Int>(0)
        let read = Atomic<Int>(0)
        let kept = Atomic<Int>(0)
        let ended = Atomic<Bool>(false)

        /// Returns once the job has decoded `read` clicks and kept `kept`; throws if it ended first.
        func wait(read: Int, kept: Int) async throws {
            while self.read.load(ordering: .acquiring) < read || self.kept.load(ordering: .acquiring) < kept {
                guard !ended.load(ordering: .acquiring) else {
                    throw StreamError(.invalidJob, step: "w4", action: "wait", message: "the job ended before it read the round")
                }
                try await Task.sleep(for: .microseconds(200))
            }
        }
    }

    /// `clickstream`'s shape. With `untilEnd` it runs to the end of input (firing the last windows).
    func job(bootstrapServers: String, output: String, untilEnd: Bool, probe: Probe) -> Job {
        let job = Job("w4")
        let clicks: Source<Click> = .kafkaJSON(["clicks"], as: Click.self, bootstrapServers: bootstrapServers, properties: Self.consumerProperties,
                                               watermark: .boundedOutOfOrderness(.seconds(2)), timestamp: { $0.time }, untilEnd: untilEnd)
        let counts = job.source("clicks", untilEnd ? clicks : clicks.held(by: probe))
            .transform("read-probe") { batch in
                probe.read.add(batch.count, ordering: .releasing)
                return batch
            }
            .keyed(by: { CompositeKey($0.user, $0.page) })
            .dedupe("first-visits", within: .seconds(60))
            .transform("kept-probe") { batch in
                probe.kept.add(batch.count, ordering: .releasing)
                return batch
            }
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

    /// The plain computation: per user and page, a click kept if none was kept in the 60 s before
    /// it; kept clicks counted per page per 5 s window.
    struct Reference {
        var lastKept: [String: Int64] = [:]
        var windows: [String: Int] = [:]

        /// Takes the next click; whether it is kept.
        mutating func add(_ click: Click) -> Bool {
            let key = "\(click.user) \(click.page)"
            if let last = lastKept[key], click.time - last < 60_000 { return false }
            lastKept[key] = click.time
            let end = click.time - click.time % 5_000 + 5_000
            windows["\(end),\(click.page)", default: 0] += 1
            return true
        }
    }

    /// The CSV output against the reference's windows; no late records.
    func check(output: String, against reference: Reference) throws {
        let expected = reference.windows.map { "\($0.key),\($0.value)" }.sorted()
        let actual = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
        let late = (try? String(contentsOfFile: output + ".late", encoding: .utf8)) ?? ""
        guard late.isEmpty, actual == expected else {
            throw StreamError(.invalidJob, step: "w4", action: "check",
                              message: "\(actual.count) rows (late: \(late.split(separator: "\n").count)) differ from the reference's \(expected.count)")
        }
    }
}

extension Source {
    /// This source, delivering only as many records as `probe` allows.
    fileprivate func held(by probe: PipelineBenchmark.Probe) -> Source {
        Source(describe, providesEventTime: providesEventTime, idleTimeout: idleTimeout, isPartitioned: isPartitioned,
               deadLetters: deadLetters) { context in HeldReader(inner: try makeReader(context), probe: probe) }
    }
}

/// A reader that does not call its inner reader while it has delivered all the records its
/// probe allows; meanwhile it returns an empty batch each millisecond, at the last watermark,
/// as an idle Kafka source does (so the steps deliver what they hold and checkpoints go on).
///
/// `@unchecked Sendable` is safe: `endWatermark` is touched only by `next()`, which the engine
/// calls one at a time.
private final class HeldReader<Value: Sendable>: SourceReader, @unchecked Sendable {
    let inner: any SourceReader<Value>
    let probe: PipelineBenchmark.Probe
    private var endWatermark: Int64?

    init(inner: any SourceReader<Value>, probe: PipelineBenchmark.Probe) {
        self.inner = inner
        self.probe = probe
    }

    func next() async throws -> RecordBatch<Value>? {
        while probe.delivered.load(ordering: .acquiring) >= probe.allowed.load(ordering: .acquiring) {
            try await Task.sleep(for: .milliseconds(1))
            if let endWatermark { return RecordBatch(values: [], timestamps: [], watermarks: [], endWatermark: endWatermark) }
        }
        let batch = try await inner.next()
        probe.delivered.add(batch?.count ?? 0, ordering: .releasing)
        if let batch { endWatermark = batch.endWatermark }
        return batch
    }

    var position: String? { inner.position }
    func checkpoint(_ barrier: CheckpointBarrier, at position: String) { inner.checkpoint(barrier, at: position) }
    func takeDeadLetters() -> [[UInt8]] { inner.takeDeadLetters() }
}

