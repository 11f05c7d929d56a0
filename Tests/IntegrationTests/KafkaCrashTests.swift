import Foundation
import Stream
import Testing
@testable import Connectors

extension KillTests {
    /// Kafka → dedupe → windows → Kafka, killed with SIGKILL at random moments against a broker in
    /// another process (`stream-job dev-broker`), resumed each time with `--restore latest`; an
    /// independent consumer then finds every expected output record in the topic exactly once.
    @Suite(.serialized, .timeLimit(.minutes(5))) struct KafkaCrashTests {
        static let base: Int64 = 1_800_000_000_000

        struct Click {
            var time: Int64
            var user: Int
            var page: Int
            var partition: Int32 { Int32(user % 4) }
            var json: String { "{\"page\":\"/page/\(page)\",\"time\":\(time),\"user\":\"user-\(user)\"}" }
        }

        /// 40,000 clicks over 60 s of event time, at most 1.4 s out of order within a partition
        /// (the job allows 2 s), each user's clicks in one partition.
        static func clicks() -> [Click] {
            var random = SeededRandom(seed: 99)
            return (0..<40_000).map { index in
                Click(time: base + Int64(index) * 3 / 2 - Int64(random.next() % 1400), user: Int(random.next() % 200), page: Int(random.next() % 20))
            }
        }

        /// What the pipeline must write: each user's first click on a page within 60 s, counted per page per 500 ms window.
        static func expected(_ clicks: [Click]) -> [String] {
            var kept: [String: Int64] = [:]
            var counts: [String: Int] = [:]
            for partition in Int32(0)..<4 {
                for click in clicks where click.partition == partition {
                    let key = "\(click.user) \(click.page)"
                    if let last = kept[key], abs(click.time - last) < 60_000 { continue }
                    kept[key] = click.time
                    let end = (click.time / 500 + 1) * 500
                    counts["\(end),/page/\(click.page)", default: 0] += 1
                }
            }
            return counts.map { "\($0.key),\($0.value)" }.sorted()
        }

        func read(_ topic: String, bootstrap: String) throws -> [String] {
            let consumer = try RDKafkaConsumer(properties: ["bootstrap.servers": bootstrap, "fetch.wait.max.ms": "10"])
            var assignment: [(topic: String, partition: Int32, offset: Int64)] = []
            var total: Int64 = 0
            for partition in try consumer.partitions(of: topic) {
                assignment.append((topic, partition, RDKafkaConsumer.beginning))
                total += try consumer.endOffset(topic: topic, partition: partition)
            }
            guard total > 0 else { return [] }
            try consumer.assign(assignment)
            var values: [String] = []
            for _ in 0..<400 where values.count < total {
                values += consumer.poll(max: 1000, timeout: .milliseconds(50)).records.map { String(decoding: $0.value ?? [], as: UTF8.self) }
            }
            return values
        }

        @Test func killedAtRandomMomentsEveryOutputRecordIsInTheTopicOnce() throws {
            let directory = NSTemporaryDirectory() + "kafka-crash-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let log = "\(directory)/log.txt"
            let broker = try StreamJobProcess(["dev-broker", "--topic", "clicks:4", "--topic", "page-counts:4"], log: "\(directory)/broker.txt")
            defer { broker.kill(SIGTERM) }
            var bootstrap: String?
            for _ in 0..<200 where bootstrap == nil {
                _ = broker.waitForExit(seconds: 0.05)
                let text = (try? String(contentsOfFile: "\(directory)/broker.txt", encoding: .utf8)) ?? ""
                bootstrap = text.split(separator: "\n").first { $0.hasPrefix("bootstrap.servers=") }.map { String($0.dropFirst("bootstrap.servers=".count)) }
            }
            let servers = try #require(bootstrap)

            let clicks = Self.clicks()
            let producer = try KafkaProducer(bootstrapServers: servers, properties: ["linger.ms": "5"])
            for click in clicks {
                try producer.send(topic: "clicks", partition: click.partition, key: Array("user-\(click.user)".utf8), value: Array(click.json.utf8),
                                  timestamp: click.time)
            }
            // One late-enough click per partition moves every partition's watermark past the last window.
            for partition in Int32(0)..<4 {
                try producer.send(topic: "clicks", partition: partition, key: nil,
                                  value: Array("{\"page\":\"sentinel\",\"time\":\(Self.base + 200_000),\"user\":\"sentinel\"}".utf8),
                                  timestamp: Self.base + 200_000)
            }
            try producer.flush()
            let expected = Self.expected(clicks)
            #expect(expected.count > 100)

            let arguments = ["run", "clickstream", "--set", "bootstrap=\(servers)", "--set", "output=\(directory)/out/page-counts.csv",
                             "--set", "window-ms=500", "--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "1500ms", "--restore", "latest", "--workers", "2"]
            let seed = UInt64(Date().timeIntervalSince1970 * 1000)
            var random = SeededRandom(seed: seed)
            var kills = 0
            for _ in 0..<(ProcessInfo.processInfo.environment["KAFKA_CRASH_RUNS"].flatMap(Int.init) ?? 12) {
                let run = try StreamJobProcess(arguments, log: log)
                // Kills land before the first checkpoint, between checkpoints after output went out, and while idle.
                if !run.waitForExit(seconds: 0.3 + 1.2 * random.unit()) {
                    run.kill(SIGKILL)
                    if run.diedOfSignal { kills += 1 }
                }
            }
            #expect(kills >= 10, "seed \(seed)")

            let last = try StreamJobProcess(arguments, log: log)
            var written: [String] = []
            for _ in 0..<300 where written.filter({ !$0.contains("sentinel") }).count < expected.count {
                _ = last.waitForExit(seconds: 0.1)
                written = try read("page-counts", bootstrap: servers)
            }
            last.kill(SIGTERM)
            #expect(last.status == 0)
            written = try read("page-counts", bootstrap: servers).filter { !$0.contains("sentinel") }
            let logTail = String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(3000))
            #expect(written.count == expected.count, "seed \(seed), \(kills) kills; log: \(logTail)")
            #expect(written.sorted() == expected, "seed \(seed), \(kills) kills")
            if written.sorted() == expected { try? FileManager.default.removeItem(atPath: directory) }
        }
    }
}
