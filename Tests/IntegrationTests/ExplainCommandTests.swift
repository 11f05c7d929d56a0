import Foundation
import Testing
@testable import Connectors

/// `stream-job explain` and the console's JSON API against a running clickstream job whose
/// Kafka input is made to stall: one partition silent, or every partition's data old.
@Suite(.timeLimit(.minutes(2))) struct ExplainCommandTests {
    static let base: Int64 = 1_700_000_000_000

    /// Clicks at `base` + 10 ms steps into `partitions` of a new broker's `clicks` topic (2 partitions).
    static func broker(clicksTo partitions: [Int32]) throws -> EmbeddedKafka {
        let kafka = try EmbeddedKafka(topics: ["clicks": 2, "page-counts": 2])
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "5"])
        for index in 0..<200 {
            let time = base + Int64(index) * 10
            let json = #"{"time":\#(time),"user":"user-\#(index % 7)","page":"/page/\#(index % 5)"}"#
            try producer.send(topic: "clicks", partition: partitions[index % partitions.count], key: nil, value: Array(json.utf8), timestamp: time)
        }
        try producer.flush()
        return kafka
    }

    /// Runs clickstream on `kafka` with the console on a free port; calls `body` with the port
    /// once the job has read every click, then stops the job.
    static func withJob(_ kafka: EmbeddedKafka, _ body: (Int) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "explain-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = "\(directory).log"
        let job = try StreamJobProcess(["run", "clickstream", "--set", "bootstrap=\(kafka.bootstrapServers)", "--set", "output=\(directory)/out.csv",
                                        "--ui-port", "0", "--quiet"], log: log)
        defer { job.kill(SIGTERM) }
        var port: Int?
        var read = false
        for _ in 0..<300 where !read {
            if job.waitForExit(seconds: 0.05) { break }
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            port = port ?? text.split(separator: "\n").first { $0.hasPrefix("console: http://127.0.0.1:") }
                .flatMap { Int($0.dropFirst("console: http://127.0.0.1:".count).prefix { $0.isNumber }) }
            if let port, let job = try? StreamJobBinary.run(["explain", "--port", "\(port)"]), job.output.contains("200 records in") { read = true }
        }
        let console = try #require(port, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        try #require(read, "the job did not read the clicks: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        try body(console)
    }

    @Test func aSilentPartitionIsNamedWithItsIdleness() throws {
        let kafka = try Self.broker(clicksTo: [0])
        try Self.withJob(kafka) { port in
            let explain = try StreamJobBinary.run(["explain", "clickstream", "--port", "\(port)"])
            #expect(explain.status == 0, "\(explain.error)")
            #expect(explain.output.contains("window step 'per-page':"), "\(explain.output)")
            #expect(explain.output.contains("The watermark is held by clicks[1] of source 'clicks', which has sent nothing since the job started."),
                    "\(explain.output)")
            #expect(explain.output.contains("Idleness is set to 10.0 s"), "\(explain.output)")

            let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/api/v1/watermarks")!)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let partitions = try #require(object["partitions"] as? [[String: Any]])
            #expect(partitions.map { $0["partition"] as? String } == ["clicks[0]", "clicks[1]"])
            #expect(partitions[0]["maxTimestamp"] as? Int64 == Self.base + 1_990)
            #expect(partitions[1]["maxTimestamp"] == nil && partitions[1]["idleTimeout"] as? Int == 10_000)
            let windows = try #require(object["windows"] as? [[String: Any]])
            #expect((windows.first?["progress"] as? [String: Any])?["step"] as? String == "per-page")
            #expect((windows.first?["explanation"] as? [String])?.isEmpty == false)

            let wrong = try StreamJobBinary.run(["explain", "w1-windows", "--port", "\(port)"])
            #expect(wrong.status != 0 && wrong.error.contains("runs pipeline 'clickstream', not 'w1-windows'"))
        }
    }

    @Test func aSourceFarBehindIsSaidToBeBehind() throws {
        let kafka = try Self.broker(clicksTo: [0, 1])
        try Self.withJob(kafka) { port in
            let explain = try StreamJobBinary.run(["explain", "--port", "\(port)"])
            #expect(explain.output.contains("behind processing time: the input is far behind (catching up, or old data)."), "\(explain.output)")
            #expect(explain.output.contains("The watermark is held at \(Self.base + 1_980 - 2_000) by clicks[0]")
                    || explain.output.contains("The watermark is held at \(Self.base + 1_990 - 2_000) by clicks[1]"), "\(explain.output)")
            for path in ["job", "steps", "checkpoints"] {
                let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/api/v1/\(path)")!)
                #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "\(path)")
            }
            let steps = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/api/v1/steps")!)) as? [[String: Any]]
            #expect(steps?.contains { $0["name"] as? String == "per-page" && $0["window"] as? String == "tumbling(5000 ms)" } == true)
        }
    }
}
