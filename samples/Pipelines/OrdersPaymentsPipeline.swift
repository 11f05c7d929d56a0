public import Connectors
public import Operators

/// An order: `time_ms,order_id,customer,amount_cents`.
public struct Order: CSVDecodable, CSVEncodable, Codable, Sendable, Equatable {
    public var time: Int64, id: String, customer: String, cents: Int64

    public init(time: Int64, id: String, customer: String, cents: Int64) {
        self.time = time
        self.id = id
        self.customer = customer
        self.cents = cents
    }

    public init(csv row: CSVRow) throws {
        time = try row.int64(0); id = try row.string(1); customer = try row.string(2); cents = try row.int64(3)
    }

    public func encode(csv line: inout CSVLine) { line.append(time); line.append(id); line.append(customer); line.append(cents) }
}

/// A payment of an order, by card or bank transfer: `time_ms,order_id,amount_cents`.
public struct Payment: CSVDecodable, CSVEncodable, Codable, Sendable, Equatable {
    public var time: Int64, order: String, cents: Int64

    public init(time: Int64, order: String, cents: Int64) {
        self.time = time
        self.order = order
        self.cents = cents
    }

    public init(csv row: CSVRow) throws { time = try row.int64(0); order = try row.string(1); cents = try row.int64(2) }

    public func encode(csv line: inout CSVLine) { line.append(time); line.append(order); line.append(cents) }
}

/// An order paid within the interval: `order_id,customer,order_time_ms,paid_time_ms,amount_cents,paid_cents`.
public struct PaidOrder: CSVEncodable, Sendable {
    public var order: Order, payment: Payment

    public func encode(csv line: inout CSVLine) {
        line.append(order.id); line.append(order.customer); line.append(order.time); line.append(payment.time)
        line.append(order.cents); line.append(payment.cents)
    }
}

/// A record too late to join: `order|payment,order_id,time_ms`.
public struct LateRecord: CSVEncodable, Sendable {
    public var record: Either<Order, Payment>

    public func encode(csv line: inout CSVLine) {
        switch record {
        case .first(let order): line.append("order"); line.append(order.id); line.append(order.time)
        case .second(let payment): line.append("payment"); line.append(payment.order); line.append(payment.time)
        }
    }
}

extension Pipelines {
    /// Two inputs joined: orders, and payments from two sources (cards and bank transfers)
    /// merged with `union`; each order joined with the payments of it made within 30 s of it
    /// (an interval join); records too late to join kept in their own file. Settings:
    ///
    /// - `input`: a directory with `orders.csv`, `cards.csv` and `transfers.csv`; or `bootstrap`:
    ///   a Kafka cluster with topics `orders`, `cards` and `transfers` (CSV values; one partition
    ///   each keeps each stream in its time order), read until their end with `until-end`; without
    ///   either, `orders` (100,000) orders and their payments generated in memory;
    /// - `output`: the paid orders (default `out/orders-payments.csv`; late records go to `<output>.late`,
    ///   and lines of the input files that are not records to `<output>.bad-<file>.jsonl`);
    /// - `chunk-bytes` (1 MiB): how much of a file one batch reads.
    public static let ordersPayments = Pipeline("orders-payments", "Orders joined with card and transfer payments within 30 s, exactly once", settings: [
        .string("input", help: "a directory with orders.csv, cards.csv and transfers.csv"),
        .string("bootstrap", help: "a Kafka cluster with topics orders, cards and transfers, instead of files"),
        .bool("until-end", default: false, help: "with bootstrap: stop at the topics' end"),
        .int("orders", default: 100_000, help: "how many orders to generate without input or bootstrap"),
        .string("output", default: "out/orders-payments.csv", help: "paid orders; <output>.late, <output>.bad-<file>.jsonl beside it"),
        .int("chunk-bytes", default: 1 << 20, help: "how much of a file one batch reads"),
    ]) { settings in
        let input = settings.values["input"]
        let bootstrap = settings.values["bootstrap"]
        let untilEnd = try settings.bool("until-end", default: false)
        let count = try settings.int("orders", default: 100_000)
        let output = settings.string("output", default: "out/orders-payments.csv")
        let chunkBytes = try settings.int("chunk-bytes", default: 1 << 20)
        let data = OrdersPaymentsData(orders: count, seed: 7)
        func file<Value: CSVDecodable>(_ name: String, _ generated: [Value]) -> Source<Value> {
            if let bootstrap { return .kafkaCSV([name], as: Value.self, bootstrapServers: bootstrap, untilEnd: untilEnd) }
            return input.map {
                .csvFile("\($0)/\(name).csv", as: Value.self, onBadRecord: .deadLetter(path: "\(output).bad-\(name).jsonl"), chunkBytes: chunkBytes)
            } ?? .collection(generated)
        }
        let job = Job("orders-payments")
        let disorder = WatermarkStrategy.boundedOutOfOrderness(.seconds(2))
        let generate = input == nil && bootstrap == nil
        let orders = job.source("orders", file("orders", generate ? data.orders : [])).eventTime(\.time, watermark: disorder)
        let cards = job.source("cards", file("cards", generate ? data.cards : [])).eventTime(\.time, watermark: disorder)
        let transfers = job.source("transfers", file("transfers", generate ? data.transfers : [])).eventTime(\.time, watermark: disorder)
        let paid = orders.intervalJoin(cards.union(transfers, id: "payments"), on: \.id, \.order,
                                       between: .zero ... .seconds(30), id: "pay-within-30s")
        paid.results.map { PaidOrder(order: $0.first, payment: $0.second) }.sink("paid", .csvFile(output))
        paid.late.map { LateRecord(record: $0) }.sink("late", .csvFile(output + ".late"))
        return job
    }
}
