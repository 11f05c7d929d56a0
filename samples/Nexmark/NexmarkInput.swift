import Connectors
import Stream

/// Where a Nexmark query reads: the three CSV files `gen_nexmark` writes (`input`), or events
/// generated in memory (`generate`), each table with its own event time (`dateTime`) and a 4 s
/// bounded-disorder watermark, as nexmark-flink's DDL declares.
struct NexmarkInput {
    let directory: String?
    let events: Int64
    let generator: NexmarkGenerator
    let batch: Int
    let outputPath: String
    let digestOnly: Bool

    /// The settings every Nexmark query takes.
    static let settings: [PipelineSetting] = [
        .string("input", help: "a directory with person.csv, auction.csv and bid.csv (gen_nexmark's files)"),
        .int("generate", default: 1_000_000, help: "without input: how many events to generate in memory"),
        .int("rate", default: 10_000_000, help: "generated events per second of event time"),
        .string("output", default: "out/nexmark.csv", help: "the query's result (CSV, no header)"),
        .int("batch", default: 8_192, help: "generated events per batch (files: about as many bytes × 64 per read)"),
        .bool("digest", default: false, help: "write only the rows' count and fingerprint to output, not the rows (as Flink's benchmarks discard them)"),
    ]

    init(_ settings: PipelineSettings) throws {
        directory = settings.values["input"]
        events = Int64(try settings.int("generate", default: 1_000_000))
        generator = NexmarkGenerator(rate: Double(try settings.int("rate", default: 10_000_000)))
        batch = max(1, try settings.int("batch", default: 8_192))
        outputPath = settings.string("output", default: "out/nexmark.csv")
        digestOnly = try settings.bool("digest", default: false)
    }

    /// Where the query's rows go: the CSV file `output`, or with `digest` their ``CSVDigest``.
    func output<Row: CSVEncodable>(_ type: Row.Type = Row.self) -> Sink<Row> {
        digestOnly ? .csvDigest(outputPath) : .csvFile(outputPath)
    }

    static let watermark = WatermarkStrategy.boundedOutOfOrderness(.seconds(4))

    func persons(_ job: Job) -> DataStream<NexmarkPerson> {
        job.source("person", directory.map { .csvFile("\($0)/person.csv", as: NexmarkPerson.self, chunkBytes: batch * 64) }
                   ?? .nexmarkPersons(events: events, generator: generator, batchSize: batch))
            .eventTime(\.dateTime, watermark: Self.watermark)
    }

    func auctions(_ job: Job) -> DataStream<NexmarkAuction> {
        job.source("auction", directory.map { .csvFile("\($0)/auction.csv", as: NexmarkAuction.self, chunkBytes: batch * 64) }
                   ?? .nexmarkAuctions(events: events, generator: generator, batchSize: batch))
            .eventTime(\.dateTime, watermark: Self.watermark)
    }

    func bids(_ job: Job) -> DataStream<NexmarkBid> {
        job.source("bid", directory.map { .csvFile("\($0)/bid.csv", as: NexmarkBid.self, chunkBytes: batch * 64) }
                   ?? .nexmarkBids(events: events, generator: generator, batchSize: batch))
            .eventTime(\.dateTime, watermark: Self.watermark)
    }
}
