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
            .sink("q5", input.output())
        return job
    }

    /// Nexmark q7 (highest bid): per 10 s tumbling window, every bid at the window's highest
    /// price placed within it, its end included (a bid exactly at an end counts in both windows).
    ///
    /// Flink joins the windows' maxima back to all the bids, so it holds every bid of a window
    /// until the window closes. This keeps, per window, only the bids at the highest price so
    /// far: a bid below it can never be in the result.
    public static let nexmarkQ7 = Pipeline("nexmark-q7", "Nexmark q7: the highest bids per 10 s window", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q7")
        let highest = input.bids(job)
            .flatMap { bid in
                let start = bid.dateTime - ((bid.dateTime % 10_000) + 10_000) % 10_000
                let own = WindowBid(start: start, bid: bid, setsMaximum: true)
                // A bid exactly at a window's end also joins that window (if at its maximum).
                return bid.dateTime == start ? [own, WindowBid(start: start - 10_000, bid: bid, setsMaximum: false)] : [own]
            }
            .keyed(by: \.start)
            .process("q7-highest") { HighestBidsPerWindow(restoring: $0) }
        highest.compactMap { $0.first }
            .map { NexmarkRow(.number($0.auction), .number($0.price), .number($0.bidder), .number($0.dateTime), .text($0.extra)) }
            .sink("q7", input.output())
        // The input has no late bid; one that came would be kept here, not dropped.
        highest.compactMap { $0.second }.map { "\($0)" }.sink("q7-late", .textFile(input.outputPath + ".late"))
        return job
    }
}

/// A bid, for the window starting at `start`: its own (where it counts toward the maximum), or
/// the one before, whose inclusive end it lies on.
struct WindowBid: Codable, Sendable {
    var start: Int64
    var bid: NexmarkBid
    var setsMaximum: Bool
}

/// One window's candidates: its highest price so far, the bids at that price placed in it, and
/// those on its end at that price or above (they count toward the next window's maximum).
struct HighestBids: Codable, Sendable {
    var price: Int64 = .min
    var bids: [NexmarkBid] = []
    var onEnd: [NexmarkBid] = []

    mutating func add(_ bid: NexmarkBid, setsMaximum: Bool) {
        if setsMaximum && bid.price > price {
            price = bid.price
            bids.removeAll()
            onEnd.removeAll { $0.price < price }
        }
        guard bid.price >= price else { return }
        if setsMaximum { bids.append(bid) } else { onEnd.append(bid) }
    }

    /// The result once the window is closed.
    var highest: [NexmarkBid] { bids + onEnd.filter { $0.price == price } }
}

/// q7 per window (keyed by its start): emits the window's highest bids (`.first`) when the
/// watermark passes its end; a bid that comes after that goes out as `.second` (late).
struct HighestBidsPerWindow: KeyedProcessFunction {
    var windows: KeyedState<Int64, HighestBids>
    init(restoring state: KeyedState<Int64, HighestBids>) { windows = state }
    func snapshot() -> KeyedState<Int64, HighestBids> { windows }

    mutating func process(_ record: KeyedRecord<Int64, WindowBid>, _ output: inout ProcessOutput<Int64, Either<NexmarkBid, NexmarkBid>>) {
        // Not late for its stream means its window (which it lies in) has not closed yet.
        guard record.timestamp >= record.watermark else {
            output.emit(.second(record.value.bid), for: record)
            return
        }
        if windows[record.key] == nil { output.setTimer(.eventTime, for: record.key, at: record.key + 10_001) }
        windows[record.key, default: HighestBids()].add(record.value.bid, setsMaximum: record.value.setsMaximum)
    }

    mutating func onTimer(_ timer: KeyedTimer<Int64>, _ output: inout ProcessOutput<Int64, Either<NexmarkBid, NexmarkBid>>) {
        guard let window = windows[timer.key] else { return }
        for bid in window.highest { output.emit(.first(bid)) }
        windows[timer.key] = nil
    }
}
