import Connectors
import Foundation
import Testing

/// The Swift Nexmark generator against the reference `gen_nexmark.c`, byte for byte: the first
/// 100,000 events at the default rate (10M events/s) and at 10,000 events/s.
@Suite(.serialized) struct NexmarkGeneratorTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Builds the reference generator with `cc` and runs it.
    static func reference(events: Int, rate: Int?, into directory: String) throws {
        let binary = "\(directory)/gen_nexmark"
        try run("/usr/bin/env", ["cc", "-O2", "-o", binary, repository.appendingPathComponent("Benchmarks/c/gen_nexmark.c").path, "-lm"])
        try run(binary, ["-n", "\(events)"] + (rate.map { ["-r", "\($0)"] } ?? []) + ["\(directory)/reference"])
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(executable) \(arguments)")
    }

    /// The generator's events as the three CSV files' bytes.
    static func generated(events: Int, rate: Double) -> (person: Data, auction: Data, bid: Data) {
        let generator = NexmarkGenerator(rate: rate)
        var persons: [UInt8] = [], auctions: [UInt8] = [], bids: [UInt8] = []
        for index in 0..<Int64(events) {
            switch generator.event(index) {
            case .person(let person): person.appendCSVLine(to: &persons)
            case .auction(let auction): auction.appendCSVLine(to: &auctions)
            case .bid(let bid): bid.appendCSVLine(to: &bids)
            }
        }
        return (Data(persons), Data(auctions), Data(bids))
    }

    @Test(arguments: [nil, 10_000])
    func theGeneratorWritesWhatGenNexmarkWrites(rate: Int?) throws {
        let directory = NSTemporaryDirectory() + "nexmark-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.reference(events: 100_000, rate: rate, into: directory)
        let ours = Self.generated(events: 100_000, rate: Double(rate ?? 10_000_000))
        for (name, bytes) in [("person", ours.person), ("auction", ours.auction), ("bid", ours.bid)] {
            let theirs = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/reference/\(name).csv"))
            #expect(bytes.count == theirs.count, "\(name).csv: \(bytes.count) bytes, gen_nexmark wrote \(theirs.count)")
            if bytes != theirs {
                let mine = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
                let reference = String(decoding: theirs, as: UTF8.self).split(separator: "\n")
                let first = zip(mine, reference).enumerated().first { $0.element.0 != $0.element.1 }
                Issue.record("\(name).csv differs at line \(first.map { $0.offset + 1 } ?? min(mine.count, reference.count)):\n ours \(first?.element.0 ?? "")\n gen_nexmark \(first?.element.1 ?? "")")
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
