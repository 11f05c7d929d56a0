import Foundation
import Operators
import Stream
import StreamTesting
import Testing
@testable import Connectors

/// Group jobs with a keyed exchange, against the embedded broker: instances of one job keyed by a
/// field that is not the Kafka key compute what one process computes.
@Suite(.timeLimit(.minutes(3))) struct KafkaExchangeTests {
    static let properties = KafkaGroupTests.properties

    /// Clicks `user,page`, with the Kafka timestamp as event time, counted per page in 1 s windows.
    static func job(_ kafka: EmbeddedKafka, sink: TestSink<String>) -> Job {
        let job = Job("page-counts")
        job.source("clicks", .kafkaText(["clicks"], bootstrapServers: kafka.bootstrapServers, group: "page-counters", properties: properties,
                                        watermark: .boundedOutOfOrderness(.zero)))
            .map { line -> String in String(line.split(separator: ",")[1]) }
            .keyed(by: { $0 })
            .window("per-page", .tumbling(.seconds(1)))
            .aggregate(.count())
            .results.map { "\($0.window.start),\($0.key),\($0.value)" }
            .sink("out", sink.sink)
        return job
    }

    @Test func twoInstancesCountEachPageOnceAsOneProcessWould() async throws {
        let kafka = try EmbeddedKafka(topics: ["clicks": 3, "page-counters.per-page.repartition": 3])
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "1"])
        let root = NSTemporaryDirectory() + "kafka-exchange-\(UUID().uuidString.prefix(8))"
        let sinks = [TestSink<String>(), TestSink<String>()]
        let controls = [RunControl(), RunControl()]
        let runs = (0..<2).map { index in
            let job = Self.job(kafka, sink: sinks[index])
            let options = RunOptions(checkpointDirectory: root, checkpointInterval: .milliseconds(200), control: controls[index])
            return Task { try await job.run(on: Runtime(workers: 1), options: options) }
        }
        // Users are the Kafka key (so each user's clicks are in one partition); pages are not.
        var expected: [String: Int] = [:]
        var random = SystemRandomNumberGenerator()
        for index in 0..<2000 {
            let user = "u\(Int.random(in: 0..<50, using: &random))"
            let page = "p\(Int.random(in: 0..<7, using: &random))"
            let time = Int64(1_000 + index * 5)   // 0 would mean "now" to the producer
            try producer.send(topic: "clicks", key: Array(user.utf8), value: Array("\(user),\(page)".utf8), timestamp: time)
            expected["\(time / 1000 * 1000),\(page)", default: 0] += 1
        }
        for partition in 0..<3 {
            try producer.send(topic: "clicks", partition: Int32(partition), key: nil, value: Array("end,end".utf8), timestamp: 100_000)
        }
        try producer.flush()
        let want = Set(expected.map { "\($0.key),\($0.value)" })
        let done = try await KafkaGroupTests.eventually(90, every: .milliseconds(200)) {
            Set(sinks.flatMap(\.values)).isSuperset(of: want)
        }
        for control in controls { control.stop() }
        var late = 0
        for run in runs {
            let summary = try await run.value
            late += summary.lateRecordsUnconnected
        }
        #expect(late == 0)
        let all = sinks.flatMap(\.values)
        #expect(done, "missing: \(want.subtracting(all).sorted().prefix(5))")
        #expect(all.count == want.count, "\(all.count) results for \(want.count) windows and pages: \(Dictionary(grouping: all, by: { $0 }).filter { $0.value.count > 1 }.keys.prefix(5))")
        #expect(Set(all) == want)
    }

    @Test func anExchangeTopicWithAnotherNumberOfPartitionsIsAClearError() async throws {
        let kafka = try EmbeddedKafka(topics: ["clicks": 3, "page-counters.per-page.repartition": 2])
        let job = Self.job(kafka, sink: TestSink<String>())
        let error = await #expect(throws: StreamError.self) { try await job.run(on: Runtime(workers: 1)) }
        let message = "\(error.map { "\($0)" } ?? "")"
        #expect(message.contains("page-counters.per-page.repartition") && message.contains("exists with 2 partitions") && message.contains("need 3"),
                "\(message)")
    }
}
