public import Connectors
import Foundation

/// A slice of the Nexmark stream held in memory, by kind, in generation order.
public struct NexmarkEvents: Sendable {
    public var persons: [NexmarkPerson] = []
    public var auctions: [NexmarkAuction] = []
    public var bids: [NexmarkBid] = []

    /// The first `count` events of `generator`.
    public init(_ count: Int, generator: NexmarkGenerator) {
        for index in 0..<Int64(count) {
            switch generator.event(index) {
            case .person(let person): persons.append(person)
            case .auction(let auction): auctions.append(auction)
            case .bid(let bid): bids.append(bid)
            }
        }
    }
}

/// Each Nexmark query computed the plain way from its definition (QUERIES.md), record by record
/// over whole tables, as CSV lines (or their digest): what the pipelines are checked against.
///
/// ```swift
/// let expected = NexmarkReference.lines("q5", NexmarkEvents(100_000, generator: NexmarkGenerator(rate: 10_000)))
/// ```
public enum NexmarkReference {
    /// The queries there is a pipeline and a reference for.
    public static let queries = ["q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q11"]

    /// Query `query`'s result over `e`, sorted.
    public static func lines(_ query: String, _ e: NexmarkEvents) -> [String] {
        rows(query, e).sorted()
    }

    /// The count and fingerprint of query `query`'s result over `e`, as a `.csvDigest` sink
    /// computes them from the pipeline's rows.
    public static func digest(_ query: String, _ e: NexmarkEvents) -> CSVDigest {
        var digest = CSVDigest()
        switch query {
        // The two large outputs, line by line rather than as one array.
        case "q0": for bid in e.bids { digest.add(bidLine(bid, price: "\(bid.price)")) }
        case "q1": for bid in e.bids { digest.add(bidLine(bid, price: euros(bid.price))) }
        default: for line in rows(query, e) { digest.add(line) }
        }
        return digest
    }

    /// Query `query`'s result over `e`, in no particular order.
    static func rows(_ query: String, _ e: NexmarkEvents) -> [String] {
        switch query {
        case "q0": e.bids.map { bidLine($0, price: "\($0.price)") }
        case "q1": e.bids.map { bidLine($0, price: euros($0.price)) }
        case "q2": e.bids.filter { $0.auction % 123 == 0 }.map { "\($0.auction),\($0.price)" }
        case "q3": q3(e)
        case "q4": q4(e)
        case "q5": q5(e)
        case "q7": q7(e)
        case "q8": q8(e)
        case "q11": q11(e)
        default: []
        }
    }

    static func bidLine(_ bid: NexmarkBid, price: String) -> String {
        "\(bid.auction),\(bid.bidder),\(price),\(bid.dateTime),\(bid.extra)"
    }

    /// `price × 0.908` to three decimals, by decimal arithmetic (not the pipeline's integer formatting).
    public static func euros(_ price: Int64) -> String {
        var value = Decimal(price) * Decimal(string: "0.908")!
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 3, .plain)
        // Decimal prints no trailing zeros: pad the fraction to three digits.
        let parts = "\(rounded)".split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return "\(parts[0]).\(fraction)\(String(repeating: "0", count: 3 - fraction.count))"
    }

    public static func q3(_ e: NexmarkEvents) -> [String] {
        let sellers = Dictionary(e.persons.filter { ["OR", "ID", "CA"].contains($0.state) }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return e.auctions.filter { $0.category == 10 }.compactMap { auction in
            sellers[auction.seller].map { "\($0.name),\($0.city),\($0.state),\(auction.id)" }
        }
    }

    public static func q4(_ e: NexmarkEvents) -> [String] {
        let byAuction = Dictionary(grouping: e.bids, by: \.auction)
        var sums: [Int64: (Int64, Int64)] = [:]
        for auction in e.auctions {
            let prices = (byAuction[auction.id] ?? []).filter { $0.dateTime >= auction.dateTime && $0.dateTime <= auction.expires }.map(\.price)
            guard let final = prices.max() else { continue }
            let sum = sums[auction.category] ?? (0, 0)
            sums[auction.category] = (sum.0 + final, sum.1 + 1)
        }
        return sums.map { "\($0.key),\($0.value.0 / $0.value.1)" }
    }

    public static func q5(_ e: NexmarkEvents) -> [String] {
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
        }
    }

    public static func q7(_ e: NexmarkEvents) -> [String] {
        let highest = Dictionary(grouping: e.bids, by: { $0.dateTime / 10_000 * 10_000 }).mapValues { $0.map(\.price).max()! }
        return highest.flatMap { start, price in
            e.bids.filter { $0.price == price && $0.dateTime >= start && $0.dateTime <= start + 10_000 }
                .map { "\($0.auction),\($0.price),\($0.bidder),\($0.dateTime),\($0.extra)" }
        }
    }

    public static func q8(_ e: NexmarkEvents) -> [String] {
        let sellers = Set(e.auctions.map { "\($0.seller)@\($0.dateTime / 10_000)" })
        return Array(Set(e.persons.filter { sellers.contains("\($0.id)@\($0.dateTime / 10_000)") }
            .map { "\($0.id),\($0.name),\($0.dateTime / 10_000 * 10_000)" }))
    }

    public static func q11(_ e: NexmarkEvents) -> [String] {
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
        }
    }
}
