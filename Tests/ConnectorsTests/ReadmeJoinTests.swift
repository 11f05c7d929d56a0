import Connectors
import Foundation
import Operators
import StreamTesting
import Testing

// The README's two-input example (orders joined with payments from two sources), kept
// compiling and checked here (paths made temporary).

struct Order: CSVDecodable, Codable {
    var time: Int64, id: String, cents: Int64
    init(csv row: CSVRow) throws { time = try row.int64(0); id = try row.string(1); cents = try row.int64(2) }
}

struct Payment: CSVDecodable, Codable {
    var time: Int64, order: String, cents: Int64
    init(csv row: CSVRow) throws { time = try row.int64(0); order = try row.string(1); cents = try row.int64(2) }
}

struct PaidRow: CSVEncodable {
    var order: String, cents: Int64, secondsToPay: Int64
    func encode(csv line: inout CSVLine) { line.append(order); line.append(cents); line.append(secondsToPay) }
}

@Suite struct ReadmeJoinTests {
    @Test func readmeJoinPairsOrdersWithTheirPaymentsWithin30Seconds() async throws {
        let directory = try scratchDirectory()
        try "1000,o1,500\n2000,o2,700\n40000,o3,900\n90000,o4,100\n".write(toFile: "\(directory)/orders.csv", atomically: true, encoding: .utf8)
        try "5000,o1,500\n80000,o3,900\n".write(toFile: "\(directory)/cards.csv", atomically: true, encoding: .utf8)
        try "31000,o2,700\n60000,o9,1\n95000,o4,100\n".write(toFile: "\(directory)/transfers.csv", atomically: true, encoding: .utf8)

        let job = Job("orders-payments")
        let disorder = WatermarkStrategy.boundedOutOfOrderness(.seconds(2))
        let orders = job.source("orders", .csvFile("\(directory)/orders.csv", as: Order.self)).eventTime(\.time, watermark: disorder)
        let cards = job.source("cards", .csvFile("\(directory)/cards.csv", as: Payment.self)).eventTime(\.time, watermark: disorder)
        let transfers = job.source("transfers", .csvFile("\(directory)/transfers.csv", as: Payment.self)).eventTime(\.time, watermark: disorder)
        let paid = orders.intervalJoin(cards.union(transfers, id: "payments"), on: \.id, \.order,
                                       between: .zero ... .seconds(30), id: "pay-within-30s")
        paid.results
            .map { PaidRow(order: $0.first.id, cents: $0.second.cents, secondsToPay: ($0.second.time - $0.first.time) / 1000) }
            .sink("paid", .csvFile("\(directory)/out/paid.csv"))
        paid.late.map { "\($0)" }.sink("late", .stdout())
        try await job.run()

        // o2 is paid 29 s after it was made: within 30 s; o3 after 40 s: not. o9 was never ordered.
        // Cards and transfers are merged by their own watermarks, so the result does not depend
        // on which file is read first.
        let rows = try String(contentsOfFile: "\(directory)/out/paid.csv", encoding: .utf8)
        #expect(rows == "o1,500,4\no2,700,29\no4,100,5\n")
    }
}
