import Connectors
public import Operators

/// q4's state per auction: when it runs, its category, and the highest matching bid so far;
/// bids that came before their auction wait for it.
struct AuctionFinal: Codable, Sendable {
    var start: Int64?
    var expires: Int64 = 0
    var category: Int64 = 0
    var highest: Int64?
    var waiting: [[Int64]] = []   // (time, price) of bids seen before the auction
}

/// q4, first half: per auction, the highest bid placed while it ran (both ends inclusive),
/// emitted once no bid can change it (the watermark passed its end).
struct FinalPrice: KeyedCoProcessFunction {
    var auctions: KeyedState<Int64, AuctionFinal>
    init(restoring state: KeyedState<Int64, AuctionFinal>) { auctions = state }
    func snapshot() -> KeyedState<Int64, AuctionFinal> { auctions }

    mutating func processFirst(_ auction: KeyedRecord<Int64, NexmarkAuction>, _ output: inout ProcessOutput<Int64, [Int64]>) {
        var state = auctions[auction.key] ?? AuctionFinal()
        state.start = auction.value.dateTime
        state.expires = auction.value.expires
        state.category = auction.value.category
        for bid in state.waiting where bid[0] >= auction.value.dateTime && bid[0] <= auction.value.expires {
            state.highest = max(state.highest ?? .min, bid[1])
        }
        state.waiting = []
        auctions[auction.key] = state
        output.setTimer(.eventTime, for: auction.key, at: auction.value.expires + 1)
    }

    mutating func processSecond(_ bid: KeyedRecord<Int64, NexmarkBid>, _ output: inout ProcessOutput<Int64, [Int64]>) {
        var state = auctions[bid.key] ?? AuctionFinal()
        if let start = state.start {
            if bid.value.dateTime >= start && bid.value.dateTime <= state.expires { state.highest = max(state.highest ?? .min, bid.value.price) }
        } else {
            state.waiting.append([bid.value.dateTime, bid.value.price])
        }
        auctions[bid.key] = state
    }

    mutating func onTimer(_ timer: KeyedTimer<Int64>, _ output: inout ProcessOutput<Int64, [Int64]>) {
        guard let state = auctions[timer.key], state.start != nil, timer.time == state.expires + 1 else { return }
        if let highest = state.highest { output.emit([state.category, highest]) }
        auctions[timer.key] = nil
    }
}

/// q4, second half: per category, the sum and count of final prices; the average (truncated)
/// at the end of the input — the last of the values Flink's updating query would emit.
struct CategoryAverage: KeyedProcessFunction {
    var sums: KeyedState<Int64, [Int64]>
    init(restoring state: KeyedState<Int64, [Int64]>) { sums = state }
    func snapshot() -> KeyedState<Int64, [Int64]> { sums }

    mutating func process(_ final: KeyedRecord<Int64, [Int64]>, _ output: inout ProcessOutput<Int64, NexmarkRow>) {
        let sum = sums[final.key] ?? [0, 0]
        sums[final.key] = [sum[0] + final.value[1], sum[1] + 1]
        output.setTimer(.eventTime, for: final.key, at: .max)
    }

    mutating func onTimer(_ timer: KeyedTimer<Int64>, _ output: inout ProcessOutput<Int64, NexmarkRow>) {
        guard let sum = sums[timer.key], sum[1] > 0 else { return }
        output.emit(NexmarkRow(.number(timer.key), .number(sum[0] / sum[1])))
    }
}

extension Pipelines {
    /// Nexmark q3 (local item suggestion): sellers in OR, ID or CA of auctions in category 10.
    public static let nexmarkQ3 = Pipeline("nexmark-q3", "Nexmark q3: sellers in OR, ID, CA of category-10 auctions", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q3")
        let persons = input.persons(job).filter { ["OR", "ID", "CA"].contains($0.state) }
        input.auctions(job).filter { $0.category == 10 }
            .join(persons, on: \.seller, \.id).unwindowed("q3-join")
            .map { NexmarkRow(.text($0.second.name), .text($0.second.city), .text($0.second.state), .number($0.first.id)) }
            .sink("q3", input.output())
        return job
    }

    /// Nexmark q4 (average price per category): the average final price of auctions per
    /// category, as it stands at the end of the input.
    public static let nexmarkQ4 = Pipeline("nexmark-q4", "Nexmark q4: average closing price per category", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q4")
        input.auctions(job).connect(input.bids(job)).keyed(by: \.id, \.auction)
            .process("q4-final") { FinalPrice(restoring: $0) }
            .keyed(by: { $0[0] })
            .process("q4-average") { CategoryAverage(restoring: $0) }
            .sink("q4", input.output())
        return job
    }
}
