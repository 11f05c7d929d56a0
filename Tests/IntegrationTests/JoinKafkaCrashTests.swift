import Foundation
import Samples
import Stream
import Testing
@testable import Connectors

extension KillTests {
    /// The three-source join reading three Kafka topics (one partition each) on a broker in another
    /// process (`stream-job dev-broker`), writing a file, killed with SIGKILL at random moments and
    /// resumed each time: the committed file equals, byte for byte, that of a run never killed.
    @Suite(.serialized, .timeLimit(.minutes(5))) struct JoinKafkaCrashTests {
        let directory = NSTemporaryDirectory() + "join-kafka-crash-\(UUID().uuidString.prefix(8))"

        func startBroker() throws -> (StreamJobProcess, String) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let broker = try StreamJobProcess(["dev-broker", "--topic", "orders:1", "--topic", "cards:1", "--topic", "transfers:1"],
                                              log: "\(directory)/broker.txt")
            var bootstrap: String?
            for _ in 0..<200 where bootstrap == nil {
                _ = broker.waitForExit(seconds: 0.05)
                let text = (try? String(contentsOfFile: "\(directory)/broker.txt", encoding: .utf8)) ?? ""
                bootstrap = text.split(separator: "\n").first { $0.hasPrefix("bootstrap.servers=") }.map { String($0.dropFirst("bootstrap.servers=".count)) }
            }
            return (broker, try #require(bootstrap))
        }

        func contents(_ output: String) throws -> Data {
            try Data(contentsOf: URL(fileURLWithPath: output)) + Data(contentsOf: URL(fileURLWithPath: output + ".late"))
        }

        @Test func aJoinOfThreeKafkaTopicsKilledAtRandomMomentsWritesWhatAnUninterruptedRunWrites() throws {
            let (broker, servers) = try startBroker()
            defer { broker.kill(SIGTERM) }
            let data = OrdersPaymentsData(orders: 20_000, seed: 5)
            let producer = try KafkaProducer(bootstrapServers: servers, properties: ["linger.ms": "5"])
            func send<Value: CSVEncodable>(_ values: [Value], to topic: String) throws {
                for value in values {
                    var bytes: [UInt8] = []
                    value.appendCSVLine(to: &bytes)
                    try producer.send(topic: topic, partition: 0, key: nil, value: Array(bytes.dropLast()))
                }
            }
            try send(data.orders, to: "orders")
            try send(data.cards, to: "cards")
            try send(data.transfers, to: "transfers")
            try producer.flush()

            func arguments(output: String, checkpoints: Bool) -> [String] {
                var arguments = ["run", "orders-payments", "--workers", "2", "--set", "bootstrap=\(servers)", "--set", "until-end=true",
                                 "--set", "output=\(output)"]
                if checkpoints { arguments += ["--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "50ms", "--restore", "latest"] }
                return arguments
            }
            let log = "\(directory)/log.txt"
            let started = Date()
            let reference = try StreamJobProcess(arguments(output: "\(directory)/reference/out.csv", checkpoints: false), log: log)
            #expect(reference.waitForExit(seconds: 120))
            let duration = Date().timeIntervalSince(started)
            #expect(reference.status == 0)
            let expected = try contents("\(directory)/reference/out.csv")
            #expect(expected.count > 100_000)

            let output = "\(directory)/out/out.csv"
            let seed = try KillLoop.run(kills: 8, duration: duration, minimumShare: 0.1, arguments: arguments(output: output, checkpoints: true),
                                        log: log, startOver: ["\(directory)/state", "\(directory)/out"]) { try contents(output) == expected }
            #expect(try contents(output) == expected, "seed \(seed)")
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
