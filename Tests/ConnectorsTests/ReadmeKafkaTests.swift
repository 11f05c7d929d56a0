import Foundation
import Operators
import StreamTesting
import Testing
@testable import Connectors

// The README's Kafka pipeline, kept compiling and checked here against the embedded broker.

struct PageView: Codable { var user: String; var page: String }

@Suite(.timeLimit(.minutes(3))) struct ReadmeKafkaTests {
    @Test func readmeKafkaPipelineCountsViewsPerPageAndMinute() async throws {
        let kafka = try EmbeddedKafka(topics: ["views": 2, "views-per-minute": 2])
        let servers = kafka.bootstrapServers
        let directory = NSTemporaryDirectory() + "readme-kafka-\(UUID().uuidString.prefix(8))"
        let producer = try KafkaProducer(bootstrapServers: servers, properties: ["linger.ms": "1"])
        let views: [(Int64, String, String)] = [(1_000, "ada", "/home"), (2_000, "bob", "/home"), (61_000, "ada", "/docs")]
        for (index, (time, user, page)) in views.enumerated() {
            try producer.send(topic: "views", partition: Int32(index % 2), key: nil,
                              value: Array(#"{"user":"\#(user)","page":"\#(page)"}"#.utf8), timestamp: time)
        }
        // Both partitions move past 125 s, so every window of the first two minutes fires; one bad record.
        try producer.send(topic: "views", partition: 0, key: nil, value: Array("not json".utf8), timestamp: 62_000)
        for partition in 0..<2 {
            try producer.send(topic: "views", partition: Int32(partition), key: nil,
                              value: Array(#"{"user":"cy","page":"/later"}"#.utf8), timestamp: 130_000)
        }
        try producer.flush()

        let control = RunControl()
        let job = Job("page-views")
        job.source("views", .kafkaJSON(["views"], as: PageView.self, bootstrapServers: servers,
                                       watermark: .boundedOutOfOrderness(.seconds(5)).idle(after: .seconds(30)),
                                       onBadRecord: .deadLetter(path: "\(directory)/out/bad-views.jsonl")))
            .keyed(by: \.page)
            .window("per-minute", .tumbling(.seconds(60)))
            .aggregate(.count())
            .results
            .sink("counts", .kafka("views-per-minute", bootstrapServers: servers,
                                   key: { Array($0.key.utf8) }, value: { Array("\($0.window.start),\($0.value)".utf8) }))
        let running = Task {
            try await job.run(options: RunOptions(checkpointDirectory: "\(directory)/state", checkpointInterval: .seconds(5), control: control))
        }

        let consumer = try RDKafkaConsumer(properties: ["bootstrap.servers": servers, "fetch.wait.max.ms": "10"])
        try consumer.assign([("views-per-minute", 0, RDKafkaConsumer.beginning), ("views-per-minute", 1, RDKafkaConsumer.beginning)])
        var counts: [String] = []
        let deadline = Date().addingTimeInterval(120)
        while counts.count < 2 && Date() < deadline {
            // A short poll, then a sleep that frees the thread: the job runs on the same few threads.
            counts += consumer.poll(max: 100, timeout: .milliseconds(1)).records.map {
                "\(String(decoding: $0.key ?? [], as: UTF8.self)) \(String(decoding: $0.value ?? [], as: UTF8.self))"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        control.stop()
        let summary = try await running.value
        // The watermark reaches 125 s (both partitions at 130 s, less 5 s): the first two minutes fire.
        #expect(counts.sorted() == ["/docs 60000,1", "/home 0,2"])
        #expect(summary.deadLetters == 1, "read \(summary.recordsRead), written \(summary.recordsWritten), checkpoints \(summary.checkpoints)")
    }
}
