import Connectors
public import Operators

/// q5's per-window tally: each auction's bid count.
struct AuctionCounts: Codable, Sendable {
    var counts: [[Int64]] = []   // (auction, count)
}

extension Pipelines {
    /// Nexmark q5 (hot items): per 10 s window sliding by 2 s, the auctions with the most bids,
    /// one line per (window, auction) tied at the top.
    public static let nexmarkQ5 = Pipeline("nexmark-q5", "Nexmark q5: the auctions with the most bids per sliding window", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q5")
        input.bids(job)
            .keyed(by: \.auction)
            .window("q5-counts", .sliding(.seconds(10), every: .seconds(2)))
            .aggregate(.count())
            .results
            // Each window's counts come out together, when it fires: give them its last
            // millisecond as their time (the watermark 1 ms behind, so none is late for its own
            // window), and collect them per window.
            .eventTime(\.window.maxTimestamp, watermark: .boundedOutOfOrderness(.milliseconds(1)))
            .keyed(by: \.window.start)
            .window("q5-per-window", .tumbling(.seconds(2)))
            .aggregate(into: AuctionCounts()) { tally, result in
                tally.counts.append([result.key, Int64(result.value)])
            } merge: { tally, other in
                tally.counts += other.counts
            }
            .results
            .flatMap { window in
                let top = window.value.counts.map { $0[1] }.max() ?? 0
                return window.value.counts.filter { $0[1] >= top }.map { NexmarkRow(.number($0[0]), .number($0[1])) }
            }
            .sink("q5", .csvFile(settings.string("output", default: "out/nexmark.csv")))
        return job
    }

    /// Nexmark q7 (highest bid): per 10 s tumbling window, every bid at the window's highest
    /// price placed within it, its end included (a bid exactly at an end counts in both windows).
    public static let nexmarkQ7 = Pipeline("nexmark-q7", "Nexmark q7: the highest bids per 10 s window", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q7")
        let bids = input.bids(job)
        let highest = bids
            .keyed(by: { _ in Int64(0) })
            .window("q7-max", .tumbling(.seconds(10)))
            .aggregate(.max(\.price))
            .results
            .compactMap { result in result.value.map { WindowMax(end: result.window.end, price: $0) } }
            .eventTime(\.end, watermark: .ascending)
        let output = settings.string("output", default: "out/nexmark.csv")
        let joined = highest.intervalJoin(bids, on: \.price, \.price, between: .seconds(-10) ... .zero, id: "q7-join")
        joined.results
            .map { NexmarkRow(.number($0.second.auction), .number($0.second.price), .number($0.second.bidder),
                              .number($0.second.dateTime), .text($0.second.extra)) }
            .sink("q7", .csvFile(output))
        // The input has no late record; one that came would be kept here, not dropped.
        joined.late.map { "\($0)" }.sink("q7-late", .textFile(output + ".late"))
        return job
    }
}

/// A window's highest price, at the window's end.
struct WindowMax: Codable, Sendable {
    var end: Int64
    var price: Int64
}
