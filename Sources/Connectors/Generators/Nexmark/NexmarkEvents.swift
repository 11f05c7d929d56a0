import Stream

/// A Nexmark person (`person.csv`): `id,name,emailAddress,creditCard,city,state,dateTime_ms,extra`.
public struct NexmarkPerson: CSVDecodable, CSVEncodable, Codable, Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var emailAddress: String
    public var creditCard: String
    public var city: String
    public var state: String
    public var dateTime: Int64
    public var extra: String

    public init(id: Int64, name: String, emailAddress: String, creditCard: String, city: String, state: String, dateTime: Int64, extra: String) {
        self.id = id
        self.name = name
        self.emailAddress = emailAddress
        self.creditCard = creditCard
        self.city = city
        self.state = state
        self.dateTime = dateTime
        self.extra = extra
    }

    public init(csv row: CSVRow) throws {
        // Built whole through the memberwise init: assigning field by field after a `try` makes the
        // optimizer copy the half-built record.
        let id = try row.int64(0), dateTime = try row.int64(6)
        self.init(id: id, name: try row.string(1), emailAddress: try row.string(2), creditCard: try row.string(3),
                  city: try row.string(4), state: try row.string(5), dateTime: dateTime, extra: try row.string(7))
    }

    public func encode(csv line: inout CSVLine) {
        line.append(id); line.append(name); line.append(emailAddress); line.append(creditCard)
        line.append(city); line.append(state); line.append(dateTime); line.append(extra)
    }
}

/// A Nexmark auction (`auction.csv`):
/// `id,itemName,description,initialBid,reserve,dateTime_ms,expires_ms,seller,category,extra`.
public struct NexmarkAuction: CSVDecodable, CSVEncodable, Codable, Sendable, Hashable {
    public var id: Int64
    public var itemName: String
    public var description: String
    public var initialBid: Int64
    public var reserve: Int64
    public var dateTime: Int64
    public var expires: Int64
    public var seller: Int64
    public var category: Int64
    public var extra: String

    public init(id: Int64, itemName: String, description: String, initialBid: Int64, reserve: Int64, dateTime: Int64,
                expires: Int64, seller: Int64, category: Int64, extra: String) {
        self.id = id
        self.itemName = itemName
        self.description = description
        self.initialBid = initialBid
        self.reserve = reserve
        self.dateTime = dateTime
        self.expires = expires
        self.seller = seller
        self.category = category
        self.extra = extra
    }

    public init(csv row: CSVRow) throws {
        // Built whole, as NexmarkPerson's.
        let id = try row.int64(0), initialBid = try row.int64(3), reserve = try row.int64(4), dateTime = try row.int64(5)
        let expires = try row.int64(6), seller = try row.int64(7), category = try row.int64(8)
        self.init(id: id, itemName: try row.string(1), description: try row.string(2), initialBid: initialBid, reserve: reserve,
                  dateTime: dateTime, expires: expires, seller: seller, category: category, extra: try row.string(9))
    }

    public func encode(csv line: inout CSVLine) {
        line.append(id); line.append(itemName); line.append(description); line.append(initialBid); line.append(reserve)
        line.append(dateTime); line.append(expires); line.append(seller); line.append(category); line.append(extra)
    }
}

/// A Nexmark bid (`bid.csv`): `auction,bidder,price,channel,url,dateTime_ms,extra`.
public struct NexmarkBid: CSVDecodable, CSVEncodable, Codable, Sendable, Hashable {
    public var auction: Int64
    public var bidder: Int64
    public var price: Int64
    public var channel: String
    public var url: String
    public var dateTime: Int64
    public var extra: String

    public init(auction: Int64, bidder: Int64, price: Int64, channel: String, url: String, dateTime: Int64, extra: String) {
        self.auction = auction
        self.bidder = bidder
        self.price = price
        self.channel = channel
        self.url = url
        self.dateTime = dateTime
        self.extra = extra
    }

    public init(csv row: CSVRow) throws {
        // Built whole, as NexmarkPerson's.
        let auction = try row.int64(0), bidder = try row.int64(1), price = try row.int64(2), dateTime = try row.int64(5)
        self.init(auction: auction, bidder: bidder, price: price, channel: try row.string(3), url: try row.string(4),
                  dateTime: dateTime, extra: try row.string(6))
    }

    public func encode(csv line: inout CSVLine) {
        line.append(auction); line.append(bidder); line.append(price); line.append(channel); line.append(url)
        line.append(dateTime); line.append(extra)
    }
}

/// One generated Nexmark event.
public enum NexmarkEvent: Sendable, Hashable {
    case person(NexmarkPerson)
    case auction(NexmarkAuction)
    case bid(NexmarkBid)
}
