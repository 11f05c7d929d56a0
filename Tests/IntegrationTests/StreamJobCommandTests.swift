import Foundation
import StreamTesting
import Testing
@testable import Connectors

@Suite struct StreamJobCommandTests {
    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: StreamJobBinary.url.path), "\(StreamJobBinary.url.path)")
    }

    @Test func everySampleRunsAndPassesItsChecks() throws {
        let outcome = try StreamJobBinary.run(["sample", "all", "--workers", "2"])
        #expect(outcome.status == 0, "\(outcome.output)\(outcome.error)")
        for name in ["chunked", "training", "realtime"] {
            #expect(outcome.output.contains("\(name): 3 checks passed, 0 failed") || outcome.output.contains("\(name): 4 checks passed, 0 failed"),
                    "\(name) did not pass: \(outcome.output)")
        }
        #expect(!outcome.output.contains("FAILED"))
    }

    @Test func unknownSampleIsAUsageErrorNamingTheChoices() throws {
        let outcome = try StreamJobBinary.run(["sample", "nope"])
        #expect(outcome.status == 2)
        #expect(outcome.error.contains("There is no sample 'nope'. Choose one of: chunked, training, realtime"))
    }

    @Test func runtimeBenchmarkPrintsEveryFigure() throws {
        let outcome = try StreamJobBinary.run(["bench", "runtime", "--runs", "1", "--scale", "0.01", "--workers", "2"])
        #expect(outcome.status == 0, "\(outcome.error)")
        for figure in ["empty tasks, submitted in batches", "empty tasks, submitted one at a time",
                       "dependency hop latency p50", "dependency hop latency p99", "fan-out/fan-in",
                       "actor calls (each returns a future)", "bytes copied, 100 tasks reading 1 MiB"] {
            #expect(outcome.output.contains(figure), "missing \(figure)")
        }
        let copied = outcome.output.split(separator: "\n").first { $0.contains("bytes copied") }
        #expect(copied?.contains(" 0.00 bytes") == true, "sharing one object must copy nothing: \(copied ?? "")")
    }

    @Test func remoteRuntimeBenchmarkPrintsEveryFigureAndChecksTheIsolatedJobsOutput() throws {
        let directory = NSTemporaryDirectory() + "bench-remote-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try StreamJobBinary.run(["bench", "runtime", "--worker-processes", "2", "--runs", "1", "--scale", "0.002",
                                               "--workers", "2", "--w1-events", "20000", "--data-dir", directory])
        #expect(outcome.status == 0, "\(outcome.error.suffix(2000))")
        for figure in ["remote empty tasks, 2 processes, submitted in one batch", "submitted one at a time",
                       "remote task round trip p50", "dependency hop across processes p50", "remote actor calls (each returns a future)",
                       "submitted in one batch ÷ in process", "one after another ÷ in process",
                       "decode=isolated, events/s", "isolated decode ÷ decode in the source", "isolated decode ÷ the same step in process"] {
            #expect(outcome.output.contains(figure), "missing \(figure): \(outcome.output)")
        }
    }

    @Test func benchmarksPrintTheirRatiosToTheCLoopsRunAlongside() throws {
        let directory = NSTemporaryDirectory() + "bench-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let window = try StreamJobBinary.run(["bench", "window", "--events", "20000", "--runs", "1", "--workers", "2",
                                              "--against-c", "--data-dir", directory])
        #expect(window.status == 0, "\(window.error)")
        for figure in ["C loop 20,000 events, events/s", "two at once, each", "windows match the reference computation", "÷ C loop", "1 worker, wall", "2 workers ÷ 1"] {
            #expect(window.output.contains(figure), "missing \(figure): \(window.output)")
        }
        let nexmark = try StreamJobBinary.run(["bench", "nexmark", "--events", "20000", "--runs", "1", "--query", "q2",
                                               "--data-dir", directory])
        #expect(nexmark.status == 0, "\(nexmark.error)")
        for figure in ["C loop 20,000 events, events/s", "q2 20,000 events: every run's output matches the reference", "÷ C parse loop"] {
            #expect(nexmark.output.contains(figure), "missing \(figure): \(nexmark.output)")
        }
    }

    @Test func kafkaPipelineAndJSONBenchmarksCheckTheirOutputAndPrintTheirRatios() throws {
        let directory = NSTemporaryDirectory() + "bench-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Three rounds to one running job, its source held while each is produced; then a
        // restored run fires the last windows, and the output is checked.
        let pipeline = try StreamJobBinary.run(["bench", "pipeline", "--records", "30000", "--round-size", "10000", "--runs", "1",
                                                "--workers", "2", "--data-dir", directory])
        #expect(pipeline.status == 0, "\(pipeline.error)")
        for figure in ["30,000 clicks in 3 rounds to one running job: output matches the reference computation", "pipeline ÷ bare loop"] {
            #expect(pipeline.output.contains(figure), "missing \(figure): \(pipeline.output)")
        }
        let json = try StreamJobBinary.run(["bench", "json", "--records", "20000", "--runs", "1"])
        #expect(json.status == 0, "\(json.error)")
        #expect(json.output.contains("JSONRecordDecoder ÷ JSONDecoder"), "\(json.output)")
    }

    @Test func theScaleOutBenchmarkChecksItsOutputAndPrintsItsRatios() async throws {
        let directory = NSTemporaryDirectory() + "bench-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let group = try await OffPool.run {
            try StreamJobBinary.run(["bench", "group", "--clicks", "5000", "--runs", "1", "--session-timeout-ms", "4000", "--data-dir", directory])
        }
        #expect(group.status == 0, "\(group.error)")
        for figure in ["every run's output topic matches the plain computation", "group of 1 ÷ no exchange", "group of 3 ÷ group of 1",
                       "takeover after SIGKILL (session timeout 4000 ms)"] {
            #expect(group.output.contains(figure), "missing \(figure): \(group.output)")
        }
    }

    @Test func versionNamesTheLinkedLibrdkafka() throws {
        let outcome = try StreamJobBinary.run(["version"])
        #expect(outcome.status == 0)
        #expect(outcome.output.hasPrefix("stream-job "))
        #expect(outcome.output.contains("librdkafka 2."))
    }

    @Test func runningAPipelineReportsUsageAndJobErrorsWithTheirExitCodes() throws {
        let unknown = try StreamJobBinary.run(["run", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.error.contains("no pipeline named 'nope'; the pipelines are: clickstream, w1-windows"))

        let badSetting = try StreamJobBinary.run(["run", "w1-windows", "--set", "window-ms"])
        #expect(badSetting.status == 2)
        #expect(badSetting.error.contains("--set window-ms: write key=value"))

        let badValue = try StreamJobBinary.run(["run", "w1-windows", "--set", "window-ms=soon", "--set", "input=x.csv"])
        #expect(badValue.status == 2)
        #expect(badValue.error.contains("setting 'window-ms' must be an integer, not 'soon'"))

        let restoreWithoutDirectory = try StreamJobBinary.run(["run", "w1-windows", "--restore", "latest"])
        #expect(restoreWithoutDirectory.status == 2)
        #expect(restoreWithoutDirectory.error.contains("restoring needs a checkpoint directory"))

        let missing = NSTemporaryDirectory() + "no-such-\(UUID().uuidString)/events.csv"
        let failed = try StreamJobBinary.run(["run", "w1-windows", "--set", "input=\(missing)"])
        #expect(failed.status == 1)
        #expect(failed.error.contains("error: open of step 'events' at \(missing)"))
    }

    @Test func pipelinesAreListedWithALineEach() throws {
        let outcome = try StreamJobBinary.run(["pipelines"])
        #expect(outcome.status == 0)
        #expect(outcome.output.contains("w1-windows       W1 events") && outcome.output.contains("clickstream      Clicks from Kafka"))
        #expect(outcome.output.contains("orders-payments  Orders joined"))
    }

    @Test func graphShowsStepsAndEdgesAsTextAndDot() throws {
        let text = try StreamJobBinary.run(["graph", "w1-windows"])
        #expect(text.status == 0)
        #expect(text.output.contains("#1 eventTime 'events/event-time' <- #0"))
        #expect(text.output.contains("#6 sink 'counts' <- #5"))
        #expect(text.output.contains("#2 exchange (by key; in a group: topic <group>.per-window.repartition) <- #1"))
        let dot = try StreamJobBinary.run(["graph", "w1-windows", "--dot"])
        #expect(dot.output.hasPrefix("digraph \"w1-windows\" {"))
        #expect(dot.output.contains("s2 -> s3;") && dot.output.contains("s0 [label=\"source\\nevents\", shape=ellipse];"))
    }

    @Test func validateReportsProblemsWithExitCodeTwo() throws {
        let good = try StreamJobBinary.run(["validate", "w1-windows", "--set", "input=x.csv"])
        #expect(good.status == 0)
        #expect(good.output.contains("is valid: 8 steps"))
        #expect(good.output.contains("exchange #2 before window 'per-window'") && good.output.contains("topic '<group>.per-window.repartition'"))
        let bad = try StreamJobBinary.run(["validate", "w1-windows", "--set", "input=x.csv", "--set", "window-ms=0"])
        #expect(bad.status == 2)
        #expect(bad.error.contains("step 'per-window': a tumbling window needs a size above zero"))
    }
}

@Suite struct DevBrokerCommandTests {
    @Test func devBrokerServesKafkaOnLocalhostUntilStopped() throws {
        let log = NSTemporaryDirectory() + "dev-broker-\(UUID().uuidString.prefix(8)).log"
        let broker = try StreamJobProcess(["dev-broker", "--topic", "clicks:3"], log: log)
        var bootstrap: String?
        for _ in 0..<200 where bootstrap == nil {
            if broker.waitForExit(seconds: 0.05) { break }
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            bootstrap = text.split(separator: "\n").first { $0.hasPrefix("bootstrap.servers=") }.map { String($0.dropFirst("bootstrap.servers=".count)) }
        }
        let servers = try #require(bootstrap)
        #expect(servers.hasPrefix("127.0.0.1:"))
        let producer = try RDKafkaProducer(properties: ["bootstrap.servers": servers, "linger.ms": "1"])
        for index in 0..<30 { try producer.produce(topic: "clicks", partition: Int32(index % 3), key: nil, value: [UInt8(index)]) }
        try producer.flush()
        #expect(producer.reports.delivered == 30)
        broker.kill(SIGTERM)
        #expect(broker.status == 0)
        let usage = try StreamJobBinary.run(["dev-broker", "--topic", "clicks"])
        #expect(usage.status == 2)
        #expect(usage.error.contains("--topic clicks: write name:partitions"))
    }
}

@Suite struct ClickstreamPipelineTests {
    /// The Kafka choices are settings: a consumer group, transactional output, a dead-letter file.
    /// The files a group job's tasks wrote for `path` (`out/counts.csv` → `out/counts.s1-p0.csv`, …), joined.
    static func contents(ofFilesLike path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let (stem, suffix) = (url.deletingPathExtension().lastPathComponent, ".\(url.pathExtension)")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(stem + ".") && $0.hasSuffix(suffix) }
        return names.sorted().map { (try? String(contentsOfFile: "\(directory)/\($0)", encoding: .utf8)) ?? "" }.joined()
    }

    @Test func kafkaChoicesAreSettingsAndABadClickGoesToTheDeadLetterFile() throws {
        let kafka = try EmbeddedKafka(topics: ["clicks": 2, "page-counts": 2, "clickstream-settings.first-visits.repartition": 2,
                                               "clickstream-settings.per-page.repartition": 2])
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "5"])
        let base: Int64 = 1_700_000_000_000
        for index in 0..<400 {
            let time = base + Int64(index) * 10
            let json = #"{"time":\#(time),"user":"user-\#(index % 7)","page":"/page/\#(index % 5)"}"#
            try producer.send(topic: "clicks", partition: Int32(index % 2), key: nil, value: Array(json.utf8), timestamp: time)
        }
        try producer.send(topic: "clicks", partition: 0, key: nil, value: Array("not a click".utf8), timestamp: base + 5)
        // A click far later on each partition moves the watermark past every window of the others.
        for partition in Int32(0)..<2 {
            let json = #"{"time":\#(base + 100_000),"user":"late","page":"/sentinel"}"#
            try producer.send(topic: "clicks", partition: partition, key: nil, value: Array(json.utf8), timestamp: base + 100_000)
        }
        try producer.flush()

        let directory = NSTemporaryDirectory() + "clickstream-kafka-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = "\(directory)/page-counts.csv"
        let job = try StreamJobProcess(["run", "clickstream", "--set", "bootstrap=\(kafka.bootstrapServers)", "--set", "output=\(output)",
                                        "--set", "window-ms=500", "--set", "sink-mode=transactional", "--set", "transactional-id=settings-test",
                                        "--set", "group=clickstream-settings", "--checkpoint-dir", "\(directory)/state",
                                        "--checkpoint-interval", "200ms"], log: "\(directory).log")
        // 7 users × 5 pages: each pair's first visit is kept (which of its visits comes first
        // depends on how the partitions interleave, so the windows they land in vary).
        var rows: [Substring] = []
        func kept() -> Int { rows.reduce(0) { $0 + (Int($1.split(separator: ",").last ?? "") ?? 0) } }
        for _ in 0..<400 where kept() < 35 {
            if job.waitForExit(seconds: 0.05) { break }
            rows = Self.contents(ofFilesLike: output).split(separator: "\n")
        }
        job.kill(SIGTERM)
        let log = (try? String(contentsOfFile: "\(directory).log", encoding: .utf8)) ?? ""
        #expect(job.status == 0, "\(log)")
        #expect(kept() == 35, "\(rows) \(log)")
        // In a group each task writes files of its own: `page-counts.s2-p0.csv`, `bad-clicks.s0-p1.jsonl`.
        #expect(FileManager.default.fileExists(atPath: "\(directory)/page-counts.s2-p0.csv"))
        let deadLetters = Self.contents(ofFilesLike: "\(directory)/bad-clicks.jsonl")
        #expect(deadLetters.contains("clicks[0]@"), "\(log)")
        #expect(deadLetters.contains(Data("not a click".utf8).base64EncodedString()))
        // The transactional sink committed the same rows to the topic (read to its end; the
        // offsets count transaction markers too, on brokers that write them).
        var inTopic: [String] = []
        try KafkaReadBack(topic: "page-counts", properties: ["bootstrap.servers": kafka.bootstrapServers, "fetch.wait.max.ms": "10"])
            .read(from: [0: 0, 1: 0], knownEnds: [:]) { inTopic.append(String(decoding: $0.value ?? [], as: UTF8.self)) }
        #expect(inTopic.sorted() == rows.map(String.init).sorted())
    }

    @Test func theMainJobRunsOnItsEmbeddedBrokerUntilStopped() throws {
        let directory = NSTemporaryDirectory() + "clickstream-\(UUID().uuidString.prefix(8))"
        let output = "\(directory)/page-counts.csv"
        let job = try StreamJobProcess(["run", "clickstream", "--set", "rate=5000", "--set", "window-ms=300", "--set", "output=\(output)",
                                        "--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "200ms"], log: "\(directory).log")
        var rows: [Substring] = []
        for _ in 0..<600 where rows.count < 10 {
            if job.waitForExit(seconds: 0.05) { break }
            // Staged output is committed with each checkpoint.
            rows = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
        }
        #expect(rows.count >= 10, "\((try? String(contentsOfFile: "\(directory).log", encoding: .utf8)) ?? "")")
        #expect(rows.allSatisfy { $0.split(separator: ",").count == 3 && $0.contains("/page/") })
        job.kill(SIGTERM)
        let log = try String(contentsOfFile: "\(directory).log", encoding: .utf8)
        #expect(job.status == 0, "\(log)")
        #expect(log.contains("job 'clickstream' stopped"))
        try? FileManager.default.removeItem(atPath: directory)
    }
}
