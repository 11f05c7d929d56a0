import Connectors
import Foundation
import Samples
import Stream
import Testing

/// Nexmark queries against naive computations over the same generated events, as sorted
/// multisets of CSV lines, at the default rate and at 10,000 events/s (windows turn over), from
/// the generator and from the CSV files.
@Suite(.serialized) struct NexmarkQueryTests {
    static func directory() -> String { NSTemporaryDirectory() + "nexmark-queries-\(UUID().uuidString.prefix(8))" }

    /// Runs `pipeline` on `events` generated events (or on them written as files) and returns its sorted lines.
    static func run(_ pipeline: Pipeline, events: Int, rate: Int, fromFiles: Bool = false, batch: Int = 8_192, workers: Int = 2) async throws -> [String] {
        let directory = directory()
        var settings = ["generate": "\(events)", "rate": "\(rate)", "output": "\(directory)/out.csv", "batch": "\(batch)"]
        if fromFiles {
            try write(events: events, rate: rate, to: "\(directory)/input")
            settings["input"] = "\(directory)/input"
        }
        try await pipeline.build(PipelineSettings(settings)).run(on: Runtime(workers: workers))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try String(contentsOfFile: "\(directory)/out.csv", encoding: .utf8).split(separator: "\n").map(String.init).sorted()
    }

    static func write(events: Int, rate: Int, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let generator = NexmarkGenerator(rate: Double(rate))
        var files: [String: [UInt8]] = ["person": [], "auction": [], "bid": []]
        for index in 0..<Int64(events) {
            switch generator.event(index) {
            case .person(let person): person.appendCSVLine(to: &files["person"]!)
            case .auction(let auction): auction.appendCSVLine(to: &files["auction"]!)
            case .bid(let bid): bid.appendCSVLine(to: &files["bid"]!)
            }
        }
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/\(name).csv")) }
    }

    @Test(arguments: [10_000_000, 10_000])
    func q0q1q2GiveWhatTheirDefinitionsGive(rate: Int) async throws {
        let events = 20_000
        let generated = NexmarkEvents(events, generator: NexmarkGenerator(rate: Double(rate)))
        let q0 = NexmarkReference.lines("q0", generated)
        let q1 = NexmarkReference.lines("q1", generated)
        let q2 = NexmarkReference.lines("q2", generated)
        #expect(!q2.isEmpty)
        #expect(try await Self.run(Pipelines.nexmarkQ0, events: events, rate: rate) == q0)
        #expect(try await Self.run(Pipelines.nexmarkQ1, events: events, rate: rate) == q1)
        #expect(try await Self.run(Pipelines.nexmarkQ2, events: events, rate: rate) == q2)
        #expect(try await Self.run(Pipelines.nexmarkQ1, events: events, rate: rate, fromFiles: true) == q1, "from the CSV files too")
    }

    @Test func q1PricesHaveExactlyThreeDecimals() {
        #expect(NexmarkReference.euros(55_972_272) == "50822822.976")
        #expect(NexmarkReference.euros(1_000) == "908.000")
    }
}
