public import Connectors
import Foundation
public import Operators
import Synchronization

/// A click on a page, as JSON in the `clicks` topic.
public struct Click: Codable, Sendable {
    public var time: Int64
    public var user: String
    public var page: String
}

/// One page's clicks in one window, as written to the `page-counts` topic and the CSV file.
public struct PageCount: CSVEncodable, Sendable {
    public var windowEnd: Int64
    public var page: String
    public var clicks: Int

    public func encode(csv line: inout CSVLine) {
        line.append(windowEnd)
        line.append(page)
        line.append(Int64(clicks))
    }

    var csv: String { "\(windowEnd),\(page),\(clicks)" }
}

extension Pipelines {
    /// The whole shape of the engine on its embedded default: clicks (JSON, event time in the
    /// Kafka record timestamp) from Kafka, each
    /// user's first visit to a page kept (a stateful actor step, `dedupe`), counted per page in
    /// 5-second event-time windows, written to Kafka and to a CSV file — checkpointed, exactly
    /// once. Without `bootstrap`, an embedded broker is started in the process and a generator
    /// writes `rate` clicks a second into it until the job stops. Settings: `bootstrap`,
    /// `rate` (2000), `output` (`out/clickstream/page-counts.csv`), `window-ms` (5000), `idle-ms` (10000), and the
    /// Kafka choices: `group` (with `session-timeout-ms`: run as one instance of a group job), `sink-mode`,
    /// `transactional-id`, `dead-letters`, `on-lost-records`.
    public static let clickstream = Pipeline(
        "clickstream", "Clicks from Kafka: first visits kept, counted per page per 5 s, to Kafka and a file", settings: [
            .string("bootstrap", help: "a Kafka cluster with a clicks topic; without it, an embedded broker fed with generated clicks"),
            .int("rate", default: 2000, help: "generated clicks per second (embedded broker only)"),
            .string("output", default: "out/clickstream/page-counts.csv", help: "the counts file"),
            .int("window-ms", default: 5000, help: "window length"),
            .int("idle-ms", default: 10000, help: "after how long without clicks a partition stops holding the windows back"),
            .string("group", help: "run as one instance of a group sharing the work through this consumer group (needs bootstrap and a checkpoint directory all instances see)"),
            .int("session-timeout-ms", default: 10000, help: "in a group: after how long without word from an instance its tasks move to the others"),
            .choice("sink-mode", among: ClickstreamKafka.sinkModes, default: "identity",
                    help: "the page-counts topic: records carry the sink's identity; sole-writer: no header, nothing else writes there; transactional: a transaction per checkpoint"),
            .string("transactional-id", default: "clickstream-page-counts", help: "the transactional producers' id (sink-mode=transactional)"),
            .string("dead-letters", help: "where clicks that do not decode go, with where they were and why (default: bad-clicks.jsonl beside the output)"),
            .choice("on-lost-records", among: ["fail", "skip"], default: "fail",
                    help: "clicks the topic's retention deleted before they were read: stop, or skip them counted"),
        ]
    ) { settings in
        let rate = try settings.int("rate", default: 2000)
        let window = Int64(try settings.int("window-ms", default: 5000))
        let idle = try settings.int("idle-ms", default: 10000)
        let output = settings.string("output", default: "out/clickstream/page-counts.csv")
        let kafka = try ClickstreamKafka(settings, output: output)
        let cluster = DemoCluster(bootstrap: settings.values["bootstrap"], rate: rate)
        let job = Job("clickstream")
        // A record that is not a click goes to the dead-letter file, naming its topic, partition
        // and offset (it used to be dropped without a word).
        let watermark = WatermarkStrategy.boundedOutOfOrderness(.seconds(2)).idle(after: .milliseconds(idle))
        let clicks: DataStream<Click>
        if let group = kafka.group {
            // A group's instances share one cluster, named now: the source brings the group's
            // coordination (task assignment, exchange topics) with it.
            guard let bootstrap = settings.values["bootstrap"] else {
                throw StreamError(.invalidJob, job: "clickstream", action: "configure", message: "'group' needs 'bootstrap': the instances of a group share one Kafka cluster")
            }
            let session = try settings.int("session-timeout-ms", default: 10000)
            clicks = job.source("clicks", Source<Click>.kafkaJSON(
                ["clicks"], as: Click.self, bootstrapServers: bootstrap, group: group,
                properties: ["fetch.wait.max.ms": "50", "session.timeout.ms": "\(session)", "heartbeat.interval.ms": "\(min(3000, session / 3))"],
                watermark: watermark, onBadRecord: .deadLetter(path: kafka.deadLetters), onLostRecords: kafka.onLostRecords))
        } else {
            clicks = job.source("clicks", Source("clicks from Kafka", providesEventTime: true,
                                                 deadLetters: .deadLetterFile(kafka.deadLetters)) { context in
                try Source<Click>.kafkaJSON(["clicks"], as: Click.self, bootstrapServers: try cluster.bootstrapServers(),
                                            properties: ["fetch.wait.max.ms": "50"], watermark: watermark,
                                            onBadRecord: .deadLetter(path: kafka.deadLetters), onLostRecords: kafka.onLostRecords)
                    .makeReader(context)
            })
        }
        // In a group, both keyed steps get their records through an exchange: the generator keys
        // clicks by user, but a topic written by others need not be (a topic known to be keyed
        // by user could skip the first with `partitioning: .sourcePartitions`).
        let counts = clicks
            .keyed(by: { CompositeKey($0.user, $0.page) })
            .dedupe("first-visits", within: .seconds(60))
            .keyed(by: \.page)
            .window("per-page", .tumbling(.milliseconds(window)))
            .aggregate(.count())
        let rows = counts.results.map { PageCount(windowEnd: $0.window.end, page: $0.key, clicks: $0.value) }
        rows.sink("page-counts-file", .csvFile(output))
        rows.sink("page-counts-topic", Sink("Kafka topic page-counts") { context in
            try kafka.sink(bootstrapServers: try cluster.bootstrapServers()).makeWriter(context)
        })
        return job
    }
}

/// The clickstream's Kafka choices, from its settings.
struct ClickstreamKafka: Sendable {
    static let sinkModes = ["identity", "sole-writer", "transactional"]

    let group: String?
    let sinkMode: String
    let transactionalID: String
    let deadLetters: String
    let onLostRecords: KafkaLostRecords

    init(_ settings: PipelineSettings, output: String) throws {
        group = settings.values["group"]
        sinkMode = try settings.choice("sink-mode", among: Self.sinkModes, default: "identity")
        transactionalID = settings.string("transactional-id", default: "clickstream-page-counts")
        let directory = (output as NSString).deletingLastPathComponent
        deadLetters = settings.string("dead-letters", default: directory.isEmpty ? "bad-clicks.jsonl" : "\(directory)/bad-clicks.jsonl")
        onLostRecords = try settings.choice("on-lost-records", among: ["fail", "skip"], default: "fail") == "skip" ? .skipAndCount : .fail
    }

    /// The page-counts topic's sink in the chosen mode.
    func sink(bootstrapServers: String) -> Sink<PageCount> {
        let key: @Sendable (PageCount) -> [UInt8]? = { Array($0.page.utf8) }
        let value: @Sendable (PageCount) -> [UInt8] = { Array($0.csv.utf8) }
        switch sinkMode {
        case "transactional":
            return .kafka("page-counts", bootstrapServers: bootstrapServers, transactionalID: transactionalID, key: key, value: value)
        default:
            return .kafka("page-counts", bootstrapServers: bootstrapServers, soleWriter: sinkMode == "sole-writer", key: key, value: value)
        }
    }
}

/// The clickstream's Kafka: the one named in settings, or an embedded broker with a click
/// generator, started the first time the job asks for it (building the pipeline starts nothing).
final class DemoCluster: Sendable {
    private let given: String?
    private let rate: Int
    private let started = Mutex<(kafka: EmbeddedKafka, generator: Thread)?>(nil)

    init(bootstrap: String?, rate: Int) {
        given = bootstrap
        self.rate = rate
    }

    func bootstrapServers() throws -> String {
        if let given { return given }
        return try started.withLock { started in
            if let started { return started.kafka.bootstrapServers }
            let kafka = try EmbeddedKafka(topics: ["clicks": 4, "page-counts": 4])
            let generator = ClickGenerator(bootstrap: kafka.bootstrapServers, rate: rate).start()
            started = (kafka, generator)
            return kafka.bootstrapServers
        }
    }
}

/// Writes `rate` clicks a second (time now, up to 1.5 s late) into the `clicks` topic on a
/// thread of its own, for as long as the process runs.
struct ClickGenerator: Sendable {
    let bootstrap: String
    let rate: Int

    func start() -> Thread {
        let thread = Thread { [bootstrap, rate] in
            guard let producer = try? KafkaProducer(bootstrapServers: bootstrap, properties: ["linger.ms": "5"]) else { return }
            var random = SeededRandom(seed: 7)
            let encoder = JSONEncoder()
            let started = Date()
            var sent = 0
            while true {
                let due = Int(Date().timeIntervalSince(started) * Double(rate))
                if sent >= due {
                    Thread.sleep(forTimeInterval: 0.01)
                    continue
                }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                while sent < due {
                    let click = Click(time: now - Int64(random.next() % 1500), user: "user-\(random.next() % 300)",
                                      page: "/page/\(random.next() % 25)")
                    // The click's time is the record's Kafka timestamp: the event time the source reads.
                    try? producer.send(topic: "clicks", key: Array(click.user.utf8), value: (try? encoder.encode(click)).map { Array($0) },
                                       timestamp: click.time)
                    sent += 1
                }
            }
        }
        thread.name = "click-generator"
        thread.start()
        return thread
    }
}
