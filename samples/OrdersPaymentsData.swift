import Connectors
import Foundation
import Stream

/// Generated orders and their payments, the same for the same seed: an order every 100 ms of
/// event time, written a little out of order; nine in ten paid once, by card (60 %) or transfer,
/// up to 40 s later (so some fall outside a 30 s join), with a few payments for unknown orders
/// and a few arriving too late.
///
/// ```swift
/// let data = OrdersPaymentsData(orders: 1_000, seed: 7)
/// try data.write(to: "input")      // input/orders.csv, cards.csv, transfers.csv
/// ```
public struct OrdersPaymentsData: Sendable {
    public let orders: [Order]
    public let cards: [Payment]
    public let transfers: [Payment]

    public init(orders count: Int, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var orders: [Order] = []
        var cards: [Payment] = []
        var transfers: [Payment] = []
        orders.reserveCapacity(count)
        let start: Int64 = 1_700_000_000_000
        for index in 0..<count {
            let time = start + Int64(index) * 100 - Int64(random.next() % 1_500)
            let order = Order(time: time, id: "o\(index)", customer: "c\(random.next() % 1_000)", cents: Int64(100 + random.next() % 50_000))
            orders.append(order)
            let roll = random.next() % 100
            guard roll < 92 else { continue }
            let paidAt = time + Int64(random.next() % 40_000)
            let payment = Payment(time: paidAt, order: roll < 90 ? order.id : "unknown-\(index)", cents: order.cents)
            if random.next() % 10 < 6 { cards.append(payment) } else { transfers.append(payment) }
        }
        // Each stream in the order it would be seen: by time, within a second of disorder; one
        // payment in 200 arrives 5 s late (beyond the pipeline's 2 s of allowed disorder).
        func arrival(_ payments: [Payment]) -> [Payment] {
            func seen(_ payment: Payment) -> Int64 { payment.time / 1_000 + (payment.cents % 200 == 0 ? 5 : 0) }
            return payments.sorted { (seen($0), $0.order) < (seen($1), $1.order) }
        }
        self.orders = orders
        self.cards = arrival(cards)
        self.transfers = arrival(transfers)
    }

    /// Writes `orders.csv`, `cards.csv` and `transfers.csv` into `directory`; with `badLineEvery`,
    /// a line that is not a record after every that many.
    public func write(to directory: String, badLineEvery: Int? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.csv(orders, badLineEvery: badLineEvery).write(to: URL(fileURLWithPath: "\(directory)/orders.csv"))
        try Self.csv(cards, badLineEvery: badLineEvery).write(to: URL(fileURLWithPath: "\(directory)/cards.csv"))
        try Self.csv(transfers, badLineEvery: badLineEvery).write(to: URL(fileURLWithPath: "\(directory)/transfers.csv"))
    }

    static func csv<Value: CSVEncodable>(_ values: [Value], badLineEvery: Int?) -> Data {
        var bytes: [UInt8] = []
        for (index, value) in values.enumerated() {
            value.appendCSVLine(to: &bytes)
            if let every = badLineEvery, index % every == every - 1 { bytes += Array("not,a,record \(index)\n".utf8) }
        }
        return Data(bytes)
    }
}
