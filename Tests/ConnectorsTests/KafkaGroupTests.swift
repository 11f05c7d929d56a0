import Foundation
import Stream
import StreamTesting
import Testing
@testable import Connectors

/// Consumer-group mode against the embedded broker: two instances of a job in one group split
/// the partitions, and offsets committed at checkpoints let one instance take over where the
/// other stopped.
@Suite(.timeLimit(.minutes(2))) struct KafkaGroupTests {
    /// The mock makes a joining member wait about `session.timeout.ms` − 1 s, so keep that short —
    /// but above its 3 s initial rebalance delay, or members time out while they wait to join.
    static let properties = ["fetch.wait.max.ms": "10", "session.timeout.ms": "6000", "heartbeat.interval.ms": "200"]

    /// One instance, reading text values (each says its partition: `partition:text`), through the
    /// decoding source, which must pass the group's commits on to the Kafka reader it wraps.
    static func instance(_ kafka: EmbeddedKafka, sink: TestSink<String>, control: RunControl, directory: String) -> Task<JobSummary, any Error> {
        let job = Job("grouped")
        job.source("events", .kafkaText(["shared"], bootstrapServers: kafka.bootstrapServers, group: "readers", properties: properties))
            .sink("out", sink.sink)
        return Task {
            try await job.run(on: Runtime(workers: 1),
                              options: RunOptions(checkpointDirectory: directory, checkpointInterval: .milliseconds(100), control: control))
        }
    }

    /// The partitions each sink read records with `prefix` from.
    static func partitions(of sink: TestSink<String>, prefix: String) -> Set<Int> {
        Set(sink.values.filter { $0.contains(":\(prefix)") }.map { Int($0.split(separator: ":")[0])! })
    }

    /// Waits (polling the sinks, at most `seconds`) until `done` holds: the group's rebalances
    /// take real time on the broker, which no injected clock can shorten.
    static func eventually(_ seconds: Double, every interval: Duration = .milliseconds(50), _ done: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if done() { return true }
            try await Task.sleep(for: interval)
        }
        return done()
    }

    @Test func twoInstancesSplitThePartitionsAndOneTakesOverWhereTheOtherStopped() async throws {
        let kafka = try EmbeddedKafka(topics: ["shared": 4])
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "1"])
        let root = NSTemporaryDirectory() + "kafka-group-\(UUID().uuidString.prefix(8))"
        let sinks = [TestSink<String>(), TestSink<String>()]
        let controls = [RunControl(), RunControl()]
        let runs = (0..<2).map { Self.instance(kafka, sink: sinks[$0], control: controls[$0], directory: "\(root)/\($0)") }

        // Rounds of one record a partition until a round is read half by each instance.
        var round = 0
        let split = try await Self.eventually(60, every: .milliseconds(300)) {
            let first = Self.partitions(of: sinks[0], prefix: "r\(round)-"), second = Self.partitions(of: sinks[1], prefix: "r\(round)-")
            if round > 0, first.count == 2, second.count == 2, first.isDisjoint(with: second) { return true }
            round += 1
            for partition in 0..<4 { try? producer.send(topic: "shared", partition: Int32(partition), key: nil, value: Array("\(partition):r\(round)-".utf8)) }
            try? producer.flush()
            return false
        }
        #expect(split, "the group never split the 4 partitions between the two instances")

        // Once split, each record goes to exactly one instance, by partition.
        for index in 0..<400 {
            try producer.send(topic: "shared", partition: Int32(index % 4), key: nil, value: Array("\(index % 4):split-\(index)".utf8))
        }
        try producer.flush()
        let all = try await Self.eventually(30) { sinks.map { $0.values.filter { $0.contains(":split-") }.count }.reduce(0, +) >= 400 }
        #expect(all)
        let splitValues = sinks.flatMap { $0.values.filter { $0.contains(":split-") } }
        #expect(splitValues.count == 400 && Set(splitValues).count == 400)
        let firstPartitions = Self.partitions(of: sinks[0], prefix: "split-"), secondPartitions = Self.partitions(of: sinks[1], prefix: "split-")
        #expect(firstPartitions.count == 2 && secondPartitions.count == 2 && firstPartitions.isDisjoint(with: secondPartitions))

        // The second instance stops: its final checkpoint commits its offsets to the group, and
        // the first takes its partitions over from there — reading none of its records again.
        controls[1].stop()
        _ = try await runs[1].value
        let before = sinks[0].values.count
        for index in 0..<400 {
            try producer.send(topic: "shared", partition: Int32(index % 4), key: nil, value: Array("\(index % 4):after-\(index)".utf8))
        }
        try producer.flush()
        let tookOver = try await Self.eventually(30) { sinks[0].values.filter { $0.contains(":after-") }.count >= 400 }
        #expect(tookOver, "the remaining instance did not take over every partition")
        controls[0].stop()
        _ = try await runs[0].value
        let afterValues = sinks[0].values.filter { $0.contains(":after-") }
        #expect(afterValues.count == 400 && Set(afterValues).count == 400)
        #expect(Self.partitions(of: sinks[0], prefix: "after-") == [0, 1, 2, 3])
        let reread = sinks[0].values[before...].filter { $0.contains(":split-") }
        #expect(reread.isEmpty, "records the stopped instance had checkpointed were read again: \(reread.prefix(5))")
    }
}
