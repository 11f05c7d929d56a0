import Connectors
import Foundation
import Samples
import Stream
import Testing

/// Nexmark q3–q11 against naive computations of their definitions (QUERIES.md) over the same
/// generated events, as sorted multisets of lines: at the default rate (everything in one
/// window) and at 10,000 events/s (windows and sessions turn over while the input runs).
@Suite(.serialized) struct NexmarkJoinQueryTests {
    struct Events {
        var persons: [NexmarkPerson] = []
        var auctions: [NexmarkAuction] = []
        var bids: [NexmarkBid] = []
    }

    static func events(_ count: Int, rate: Int) -> Events {
        let generator = NexmarkGenerator(rate: Double(rate))
        var events = Events()
        for index in 0..<Int64(count) {
            switch generator.event(index) {
            case .person(let person): events.persons.append(person)
            case .auction(let auction): events.auctions.append(auction)
            case .bid(let bid): events.bids.append(bid)
            }
        }
        return events
    }

    static func q3(_ e: Events) -> [String] {
        let sellers = Dictionary(e.persons.filter { ["OR", "ID", "CA"].contains($0.state) }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return e.auctions.filter { $0.category == 10 }.compactMap { auction in
            sellers[auction.seller].map { "\($0.name),\($0.city),\($0.state),\(auction.id)" }
        }.sorted()
    }

    static func q4(_ e: Events) -> [String] {
        let byAuction = Dictionary(grouping: e.bids, by: \.auction)
        var sums: [Int64: (Int64, Int64)] = [:]
        for auction in e.auctions {
            let prices = (byAuction[auction.id] ?? []).filter { $0.dateTime >= auction.dateTime && $0.dateTime <= auction.expires }.map(\.price)
            guard let final = prices.max() else { continue }
            let sum = sums[auction.category] ?? (0, 0)
            sums[auction.category] = (sum.0 + final, sum.1 + 1)
        }
        return sums.map { "\($0.key),\($0.value.0 / $0.value.1)" }.sorted()
    }

    static func q5(_ e: Events) -> [String] {
        var counts: [Int64: [Int64: Int64]] = [:]
        for bid in e.bids {
            let last = bid.dateTime / 2_000 * 2_000
            for start in stride(from: last, through: last - 8_000, by: -2_000) where bid.dateTime < start + 10_000 {
                counts[start, default: [:]][bid.auction, default: 0] += 1
            }
        }
        return counts.values.flatMap { perAuction in
            let top = perAuction.values.max()!
            return perAuction.filter { $0.value >= top }.map { "\($0.key),\($0.value)" }
        }.sorted()
    }

    static func q7(_ e: Events) -> [String] {
        let highest = Dictionary(grouping: e.bids, by: { $0.dateTime / 10_000 * 10_000 }).mapValues { $0.map(\.price).max()! }
        return highest.flatMap { start, price in
            e.bids.filter { $0.price == price && $0.dateTime >= start && $0.dateTime <= start + 10_000 }
                .map { "\($0.auction),\($0.price),\($0.bidder),\($0.dateTime),\($0.extra)" }
        }.sorted()
    }

    static func q8(_ e: Events) -> [String] {
        let sellers = Set(e.auctions.map { "\($0.seller)@\($0.dateTime / 10_000)" })
        return Set(e.persons.filter { sellers.contains("\($0.id)@\($0.dateTime / 10_000)") }
            .map { "\($0.id),\($0.name),\($0.dateTime / 10_000 * 10_000)" }).sorted()
    }

    static func q11(_ e: Events) -> [String] {
        Dictionary(grouping: e.bids, by: \.bidder).flatMap { bidder, bids -> [String] in
            var sessions: [(start: Int64, end: Int64, count: Int)] = []
            for time in bids.map(\.dateTime).sorted() {
                if let last = sessions.last, time <= last.end {
                    sessions[sessions.count - 1].end = max(last.end, time + 10_000)
                    sessions[sessions.count - 1].count += 1
                } else {
                    sessions.append((time, time + 10_000, 1))
                }
            }
            return sessions.map { "\(bidder),\($0.count),\($0.start),\($0.end)" }
        }.sorted()
    }

    @Test(arguments: [(30_000, 10_000_000), (100_000, 10_000)])
    func queriesGiveWhatTheirDefinitionsGive(events count: Int, rate: Int) async throws {
        let events = Self.events(count, rate: rate)
        let cases: [(Pipeline, [String])] = [
            (Pipelines.nexmarkQ3, Self.q3(events)), (Pipelines.nexmarkQ4, Self.q4(events)), (Pipelines.nexmarkQ5, Self.q5(events)),
            (Pipelines.nexmarkQ7, Self.q7(events)), (Pipelines.nexmarkQ8, Self.q8(events)), (Pipelines.nexmarkQ11, Self.q11(events)),
        ]
        for (pipeline, expected) in cases {
            #expect(!expected.isEmpty, "\(pipeline.name) has rows to compare")
            let actual = try await NexmarkQueryTests.run(pipeline, events: count, rate: rate)
            #expect(actual.count == expected.count, "\(pipeline.name) at \(rate)/s: \(actual.count) rows, expected \(expected.count)")
            #expect(actual == expected, "\(pipeline.name) at \(rate)/s")
        }
    }

    @Test func theOutputDoesNotDependOnBatchSizesOrWorkers() async throws {
        let events = Self.events(40_000, rate: 10_000)
        let cases: [(Pipeline, [String])] = [(Pipelines.nexmarkQ5, Self.q5(events)), (Pipelines.nexmarkQ7, Self.q7(events)),
                                             (Pipelines.nexmarkQ4, Self.q4(events)), (Pipelines.nexmarkQ11, Self.q11(events))]
        for (pipeline, expected) in cases {
            for (batch, workers) in [(97, 1), (1_000, 3)] {
                let actual = try await NexmarkQueryTests.run(pipeline, events: 40_000, rate: 10_000, batch: batch, workers: workers)
                #expect(actual == expected, "\(pipeline.name), batches of \(batch), \(workers) workers")
            }
        }
    }
}
