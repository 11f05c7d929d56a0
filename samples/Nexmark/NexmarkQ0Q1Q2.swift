import Connectors
public import Operators

/// q0's row: `auction,bidder,price,dateTime_ms,extra` (q1's, with the price in euros).
struct NexmarkBidRow: CSVEncodable {
    var bid: NexmarkBid
    /// q1: the price × 0.908, with exactly three decimals.
    var euros: Bool

    func encode(csv line: inout CSVLine) {
        line.append(bid.auction)
        line.append(bid.bidder)
        if euros { line.append(Self.euros(bid.price)) } else { line.append(bid.price) }
        line.append(bid.dateTime)
        line.append(bid.extra)
    }

    /// `price × 0.908` as DECIMAL(23,3): exact, in integer thousandths.
    static func euros(_ price: Int64) -> String {
        let thousandths = price * 908
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

/// q2's row: `auction,price`.
struct NexmarkAuctionPrice: CSVEncodable {
    var auction: Int64
    var price: Int64
    func encode(csv line: inout CSVLine) { line.append(auction); line.append(price) }
}

extension Pipelines {
    /// Nexmark q0 (pass-through): every bid.
    public static let nexmarkQ0 = Pipeline("nexmark-q0", "Nexmark q0: every bid", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q0")
        input.bids(job).map { NexmarkBidRow(bid: $0, euros: false) }.sink("q0", input.output())
        return job
    }

    /// Nexmark q1 (currency conversion): every bid with its price in euros.
    public static let nexmarkQ1 = Pipeline("nexmark-q1", "Nexmark q1: every bid, price in euros", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q1")
        input.bids(job).map { NexmarkBidRow(bid: $0, euros: true) }.sink("q1", input.output())
        return job
    }

    /// Nexmark q2 (selection): the bids on auctions whose id is a multiple of 123.
    public static let nexmarkQ2 = Pipeline("nexmark-q2", "Nexmark q2: bids on every 123rd auction", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q2")
        input.bids(job).filter { $0.auction % 123 == 0 }.map { NexmarkAuctionPrice(auction: $0.auction, price: $0.price) }
            .sink("q2", input.output())
        return job
    }
}
