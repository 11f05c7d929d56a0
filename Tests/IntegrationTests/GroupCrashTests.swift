import Foundation
import Stream
import Testing
@testable import Connectors

extension KillTests {
    /// `clickstream` as a group: three instances (separate processes) share the clicks through a
    /// consumer group, each page's clicks meet through the exchange, and instances are killed with
    /// SIGKILL at random moments and started again, with a fourth joining mid-run. An independent
    /// consumer then finds every expected count in the output topic exactly once — what one
    /// process computes (``KafkaCrashTests/expected(_:)``).
    @Suite(.serialized, .timeLimit(.minutes(6))) struct GroupCrashTests {
        typealias Clicks = KafkaCrashTests

        @Test func instancesKilledAtRandomMomentsStillWriteEachCountOnce() throws {
            let directory = NSTemporaryDirectory() + "group-crash-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let broker = try StreamJobProcess(Self.brokerArguments(group: "clickers"), log: "\(directory)/broker.txt")
            defer { broker.kill(SIGTERM) }
            let servers = try #require(Self.bootstrap(of: "\(directory)/broker.txt", broker: broker))

            let clicks = Clicks.clicks()
            // The clicks come in steadily while instances die, so kills land with records read but
            // not yet checkpointed: their tasks' new owners read and send them again.
            let feeding = Self.feed(clicks, to: servers, over: 40)
            let expected = Clicks.expected(clicks)

            let arguments = Self.instanceArguments(group: "clickers", servers: servers, directory: directory)
            func start(_ index: Int) throws -> StreamJobProcess {
                try StreamJobProcess(arguments, log: "\(directory)/instance-\(index).txt")
            }
            var instances = try (0..<3).map(start)
            let seed = UInt64(Date().timeIntervalSince1970 * 1000)
            var random = SeededRandom(seed: seed)
            var kills = 0
            let rounds = ProcessInfo.processInfo.environment["GROUP_CRASH_KILLS"].flatMap(Int.init) ?? 10
            for round in 0..<rounds {
                // Kills land while the group is still forming, mid-rebalance, and while tasks read,
                // write and checkpoint.
                _ = broker.waitForExit(seconds: 2 + 5 * random.unit())
                let victim = Int(random.next() % UInt64(instances.count))
                instances[victim].kill(SIGKILL)
                if instances[victim].diedOfSignal { kills += 1 }
                instances[victim] = try start(victim)
                if round == 5 { instances.append(try start(3)) }
            }
            #expect(kills >= 10, "seed \(seed)")
            feeding.wait()

            let logFiles = (0..<instances.count).map { "\(directory)/instance-\($0).txt" }
            let (written, logs) = try Self.output(expected: expected.count, servers: servers, broker: broker, instances: instances, logs: logFiles)
            let counts = Dictionary(grouping: written, by: { $0 }).mapValues(\.count)
            #expect(written.count == expected.count,
                    "seed \(seed), \(kills) kills: \(written.count) records for \(expected.count); twice: \(counts.filter { $0.value > 1 }.keys.sorted().prefix(5)); missing: \(Set(expected).subtracting(written).sorted().prefix(5)); \(logs)")
            #expect(written.sorted() == expected, "seed \(seed), \(kills) kills")
            if written.sorted() == expected && ProcessInfo.processInfo.environment["KEEP"] == nil { try? FileManager.default.removeItem(atPath: directory) }
        }

        /// Three instances on hosts of their own (network namespaces, the broker on a fourth),
        /// one of them killed and started again: the output is what one process computes.
        @Test(.enabled(if: NetworkHosts.available, "network namespaces cannot be made here (ip netns needs root or CAP_NET_ADMIN) or python3 is missing"))
        func instancesOnSeparateHostsWriteEachCountOnce() throws {
            let directory = NSTemporaryDirectory() + "group-hosts-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let hosts = try NetworkHosts(count: 4, directory: directory)
            defer { hosts.remove() }
            let broker = try StreamJobProcess(Self.brokerArguments(group: "hosts"), log: "\(directory)/broker.txt",
                                              launcher: ["/usr/sbin/ip"] + hosts.command(on: 0, []))
            defer { broker.kill(SIGTERM) }
            let servers = try #require(Self.bootstrap(of: "\(directory)/broker.txt", broker: broker))
            let port = try #require(Int(servers.split(separator: ":").last ?? ""))
            // Every host (and this process) reaches the broker's loopback port over the bridge.
            try hosts.share(port: port, of: 0)

            let clicks = Clicks.clicks()
            let feeding = Self.feed(clicks, to: servers, over: 15)
            let expected = Clicks.expected(clicks)
            let arguments = Self.instanceArguments(group: "hosts", servers: servers, directory: directory)
            func start(_ host: Int) throws -> StreamJobProcess {
                try StreamJobProcess(arguments, log: "\(directory)/host-\(host).txt", launcher: ["/usr/sbin/ip"] + hosts.command(on: host, []))
            }
            var instances = try (1...3).map(start)
            _ = broker.waitForExit(seconds: 8)
            instances[0].kill(SIGKILL)
            #expect(instances[0].diedOfSignal)
            instances[0] = try start(1)
            feeding.wait()

            let (written, logs) = try Self.output(expected: expected.count, servers: servers, broker: broker, instances: instances,
                                                  logs: (1...3).map { "\(directory)/host-\($0).txt" })
            #expect(written.sorted() == expected, "\(written.count) counts for \(expected.count): \(logs)")
            // Each host ran tasks: the work was shared over the network.
            for host in 1...3 {
                let log = (try? String(contentsOfFile: "\(directory)/host-\(host).txt", encoding: .utf8)) ?? ""
                #expect(log.contains("starts here"), "host \(host) ran no task: \(log.suffix(1000))")
            }
            if written.sorted() == expected { try? FileManager.default.removeItem(atPath: directory) }
        }

        /// The output topic's counts (sentinels aside) once it holds `expected` of them, after a
        /// graceful stop of every instance (each must exit with 0), and the ends of their logs.
        /// A broker with clickstream's topics and, for a group named `group`, its exchanges'
        /// topics: the embedded broker cannot create topics when asked (librdkafka 2.0.2's mock
        /// cluster), so they are made with it.
        static func brokerArguments(group: String) -> [String] {
            ["dev-broker", "--topic", "clicks:4", "--topic", "page-counts:4",
             "--topic", "\(group).first-visits.repartition:4", "--topic", "\(group).per-page.repartition:4"]
        }

        /// One instance of clickstream in group `group`, checkpointing every second under `directory`.
        static func instanceArguments(group: String, servers: String, directory: String) -> [String] {
            ["run", "clickstream", "--set", "bootstrap=\(servers)", "--set", "group=\(group)", "--set", "session-timeout-ms=4000",
             "--set", "output=\(directory)/out/page-counts.csv", "--set", "window-ms=500",
             "--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "1s", "--workers", "1"]
        }

        static func output(expected: Int, servers: String, broker: StreamJobProcess, instances: [StreamJobProcess],
                           logs: [String]) throws -> (written: [String], logs: String) {
            let reader = KafkaCrashTests()
            var written: [String] = []
            for _ in 0..<600 where written.filter({ !$0.contains("sentinel") }).count < expected {
                _ = broker.waitForExit(seconds: 0.2)
                written = try reader.read("page-counts", bootstrap: servers)
            }
            for instance in instances { instance.kill(SIGTERM) }
            let tails = logs.map { String(((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "").suffix(1500)) }.joined(separator: "\n---\n")
            for instance in instances { #expect(instance.status == 0, "\(tails)") }
            return (try reader.read("page-counts", bootstrap: servers).filter { !$0.contains("sentinel") }, tails)
        }

        /// Sends `clicks` in time order, spread over about `seconds`, then one late-enough click per
        /// partition, which moves every watermark past the last window; signals when done.
        static func feed(_ clicks: [KafkaCrashTests.Click], to servers: String, over seconds: Double) -> DispatchSemaphore {
            let done = DispatchSemaphore(value: 0)
            Thread {
                defer { done.signal() }
                guard let producer = try? KafkaProducer(bootstrapServers: servers, properties: ["linger.ms": "5"]) else { return }
                let slices = 60
                for slice in 0..<slices {
                    for click in clicks[(clicks.count * slice / slices)..<(clicks.count * (slice + 1) / slices)] {
                        try? producer.send(topic: "clicks", partition: click.partition, key: Array("user-\(click.user)".utf8),
                                           value: Array(click.json.utf8), timestamp: click.time)
                    }
                    try? producer.flush()
                    Thread.sleep(forTimeInterval: seconds / Double(slices))
                }
                for partition in Int32(0)..<4 {
                    try? producer.send(topic: "clicks", partition: partition, key: nil,
                                       value: Array("{\"page\":\"sentinel\",\"time\":\(KafkaCrashTests.base + 200_000),\"user\":\"sentinel\"}".utf8),
                                       timestamp: KafkaCrashTests.base + 200_000)
                }
                try? producer.flush()
            }.start()
            return done
        }

        /// The broker's `bootstrap.servers=` line, once it printed it.
        static func bootstrap(of log: String, broker: StreamJobProcess) -> String? {
            for _ in 0..<200 {
                _ = broker.waitForExit(seconds: 0.05)
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("bootstrap.servers=") }) {
                    return String(line.dropFirst("bootstrap.servers=".count))
                }
            }
            return nil
        }
    }
}
