#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Nexmark event stream (persons, auctions, bids), generated in memory exactly as the
/// reference generator `gen_nexmark.c` writes its CSV files (see its GENERATOR.md): event `k` is
/// a pure function of (seed, rate, base time, k), with SplitMix64 re-seeded per event, so any
/// range of events is generated alone and the same arguments give the same events.
///
/// ```swift
/// let generator = NexmarkGenerator()               // 10M events/s of event time, seed 42
/// if case .bid(let bid) = generator.event(5) { print(bid.price) }
/// ```
public struct NexmarkGenerator: Sendable {
    /// Events per second of event time (nexmark-flink's benchmark: 10,000,000).
    public let rate: Double
    public let seed: UInt64
    /// Event time of event number 0, epoch milliseconds.
    public let base: Int64
    /// nexmark-flink's bidder ids: person id + 2000 (on by default, as there).
    public let bidderQuirk: Bool
    private let delayMicroseconds: Double
    private let mixedSeed: UInt64
    private let tables: NexmarkTables

    public init(rate: Double = 10_000_000, seed: UInt64 = 42, base: Int64 = 1_700_000_000_000, bidderQuirk: Bool = true) {
        self.rate = rate
        self.seed = seed
        self.base = base
        self.bidderQuirk = bidderQuirk
        delayMicroseconds = 1_000_000 / rate
        mixedSeed = NexmarkRandom.mix(seed)
        tables = NexmarkTables(seed: seed)
    }

    /// The kind of event `k`, without generating it.
    public enum Kind: Sendable { case person, auction, bid }

    public static func kind(of index: Int64) -> Kind {
        let remainder = (index + 2) % 50
        return remainder < 1 ? .person : remainder < 4 ? .auction : .bid
    }

    /// The event time of event `k`.
    public func timestamp(of index: Int64) -> Int64 { time(eventNumber: index + 1) }

    func time(eventNumber: Int64) -> Int64 {
        base + Int64(Double(eventNumber) * delayMicroseconds) / 1000
    }

    /// Event `k` (0-based), as `gen_nexmark.c` generates it.
    public func event(_ index: Int64) -> NexmarkEvent {
        let eventNumber = index + 1
        let eventID = eventNumber + 1
        let time = time(eventNumber: eventNumber)
        var random = NexmarkRandom(state: NexmarkRandom.mix(mixedSeed ^ UInt64(eventID)))
        switch Self.kind(of: index) {
        case .person: return .person(person(eventID, time: time, &random))
        case .auction: return .auction(auction(eventID, eventNumber: eventNumber, time: time, &random))
        case .bid: return .bid(bid(eventID, time: time, &random))
        }
    }

    // MARK: Ids (functions of the event id alone)

    static func lastPerson(_ eventID: Int64) -> Int64 { eventID / 50 }

    static func lastAuction(_ eventID: Int64) -> Int64 {
        var epoch = eventID / 50
        var offset = eventID % 50
        if offset < 1 {
            epoch -= 1
            offset = 2
        } else if offset >= 4 {
            offset = 2
        } else {
            offset -= 1
        }
        return epoch * 3 + offset
    }

    static func recentPerson(_ eventID: Int64, _ random: inout NexmarkRandom) -> Int64 {
        let people = lastPerson(eventID) + 1
        let active = min(people, 1000)
        return people - active + Int64(random.int(UInt64(active + 10)))
    }

    static func recentAuction(_ eventID: Int64, _ random: inout NexmarkRandom) -> Int64 {
        let newest = lastAuction(eventID)
        let oldest = max(newest - 100, 0)
        return oldest + Int64(random.int(UInt64(newest - oldest + 1 + 10)))
    }

    // MARK: Events

    static let firstNames = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"]
    static let lastNames = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"]
    static let cities = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"]
    static let states = ["AZ", "CA", "ID", "OR", "WA", "WY"]
    static let hotChannels = ["Google", "Facebook", "Baidu", "Apple"]

    func person(_ eventID: Int64, time: Int64, _ random: inout NexmarkRandom) -> NexmarkPerson {
        let first = Self.firstNames[Int(random.int(11))]
        let last = Self.lastNames[Int(random.int(9))]
        let local = random.string(maxLength: 7, special: UInt8(ascii: " "))
        let domain = random.string(maxLength: 5, special: UInt8(ascii: " "))
        let email = "\(local)@\(domain).com"
        let card = (0..<4).map { _ in Self.fourDigits(random.int(10_000)) }.joined(separator: " ")
        let city = Self.cities[Int(random.int(10))]
        let state = Self.states[Int(random.int(6))]
        let name = "\(first) \(last)"
        let size = 8 + name.utf8.count + email.utf8.count + 19 + city.utf8.count + state.utf8.count
        return NexmarkPerson(id: Self.lastPerson(eventID) + 1000, name: name, emailAddress: email, creditCard: card, city: city,
                             state: state, dateTime: time, extra: tables.extra(size: size, average: 200, &random))
    }

    func auction(_ eventID: Int64, eventNumber: Int64, time: Int64, _ random: inout NexmarkRandom) -> NexmarkAuction {
        var seller: Int64
        if random.int(4) > 0 {
            seller = (Self.lastPerson(eventID) / 100) * 100
        } else {
            seller = Self.recentPerson(eventID, &random)
        }
        seller += 1000
        let category = 10 + Int64(random.int(5))
        let initialBid = random.price()
        let horizon = self.time(eventNumber: eventNumber + 1666) - time
        let expires = time + 1 + Int64(random.int(UInt64(max(2 * horizon, 1))))
        let name = random.string(maxLength: 20, special: UInt8(ascii: " "))
        let description = random.string(maxLength: 100, special: UInt8(ascii: " "))
        let reserve = initialBid + random.price()
        let size = 8 + name.utf8.count + description.utf8.count + 40
        return NexmarkAuction(id: Self.lastAuction(eventID) + 1000, itemName: name, description: description, initialBid: initialBid,
                              reserve: reserve, dateTime: time, expires: expires, seller: seller, category: category,
                              extra: tables.extra(size: size, average: 500, &random))
    }

    func bid(_ eventID: Int64, time: Int64, _ random: inout NexmarkRandom) -> NexmarkBid {
        var auction: Int64
        if random.int(2) > 0 {
            auction = (Self.lastAuction(eventID) / 100) * 100
        } else {
            auction = Self.recentAuction(eventID, &random)
        }
        auction += 1000
        var bidder: Int64
        if random.int(4) > 0 {
            bidder = (Self.lastPerson(eventID) / 100) * 100 + 1
        } else {
            bidder = Self.recentPerson(eventID, &random)
        }
        bidder += bidderQuirk ? 2000 : 1000
        let price = random.price()
        let channel: String
        let url: String
        if random.int(2) > 0 {
            let index = Int(random.int(4))
            channel = Self.hotChannels[index]
            url = tables.hotURLs[index]
        } else {
            let index = Int(random.int(10_000))
            channel = "channel-\(index)"
            url = tables.channelURLs[index]
        }
        return NexmarkBid(auction: auction, bidder: bidder, price: price, channel: channel, url: url, dateTime: time,
                          extra: tables.extra(size: 32, average: 100, &random))
    }

    static func fourDigits(_ value: UInt32) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// SplitMix64 as `gen_nexmark.c` draws from it: bounded integers by multiply-shift of the top
/// 32 bits, doubles from the top 53.
struct NexmarkRandom: Sendable {
    var state: UInt64

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// Uniform in [0, n), n < 2^32.
    mutating func int(_ n: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: ((next() >> 32) &* n) >> 32) }

    mutating func double() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A log-uniform price in [100, 100,000,000].
    mutating func price() -> Int64 { Int64(floor(pow(10.0, double() * 6.0) * 100.0 + 0.5)) }

    /// `3 + U[0, maxLength − 3)` characters, each `special` with probability 1/13, else a–z;
    /// then leading and trailing spaces trimmed.
    mutating func string(maxLength: Int, special: UInt8) -> String {
        let length = 3 + Int(int(UInt64(maxLength - 3)))
        var bytes = [UInt8](repeating: 0, count: length)
        for index in 0..<length {
            bytes[index] = int(13) == 0 ? special : UInt8(ascii: "a") + UInt8(int(26))
        }
        var start = 0
        var end = length
        while start < end && bytes[start] == 32 { start += 1 }
        while end > start && bytes[end - 1] == 32 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// The tables drawn once from the seed: the padding pool and the channels' URLs.
final class NexmarkTables: Sendable {
    static let poolLength = 1 << 20
    let pool: [UInt8]
    let hotURLs: [String]
    let channelURLs: [String]

    init(seed: UInt64) {
        var random = NexmarkRandom(state: NexmarkRandom.mix(NexmarkRandom.mix(seed) ^ 0x7461_626C_6573))
        var pool = [UInt8](repeating: 0, count: Self.poolLength)
        for index in pool.indices { pool[index] = UInt8(ascii: "a") + UInt8(random.int(26)) }
        self.pool = pool
        hotURLs = (0..<4).map { _ in Self.baseURL(&random) }
        channelURLs = (0..<10_000).map { channel in
            var url = Self.baseURL(&random)
            if random.int(10) > 0 {
                var value = Int64(Int32(bitPattern: UInt32(channel).bitReversed))
                if value < 0 && value != Int64(Int32.min) { value = -value }   // Java's Math.abs(int)
                url += "&channel_id=\(value)"
            }
            return url
        }
    }

    static func baseURL(_ random: inout NexmarkRandom) -> String {
        let a = random.string(maxLength: 5, special: UInt8(ascii: "_"))
        let b = random.string(maxLength: 5, special: UInt8(ascii: "_"))
        let c = random.string(maxLength: 5, special: UInt8(ascii: "_"))
        return "https://www.nexmark.com/\(a)/\(b)/\(c)/item.htm?query=1"
    }

    /// Padding so that `size` plus its length averages `average`; none when `size` is above it.
    func extra(size: Int, average: Int, _ random: inout NexmarkRandom) -> String {
        guard size <= average else { return "" }
        let distance = average - size
        let delta = Int(floor(Double(distance) * 0.2 + 0.5))
        let length = distance - delta + (delta == 0 ? 0 : Int(random.int(UInt64(2 * delta))))
        let offset = Int(random.int(UInt64(Self.poolLength - length)))
        return String(decoding: pool[offset..<(offset + length)], as: UTF8.self)
    }
}

extension UInt32 {
    /// The 32 bits in reverse order.
    var bitReversed: UInt32 {
        var value = self
        var reversed: UInt32 = 0
        for _ in 0..<32 {
            reversed = (reversed << 1) | (value & 1)
            value >>= 1
        }
        return reversed
    }
}
