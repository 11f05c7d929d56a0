public import Stream
import Synchronization

extension Source where Value == NexmarkPerson {
    /// The persons among the first `events` Nexmark events, generated in memory (no CSV parsing).
    ///
    /// ```swift
    /// job.source("person", .nexmarkPersons(events: 1_000_000))
    /// ```
    public static func nexmarkPersons(events: Int64, generator: NexmarkGenerator = NexmarkGenerator(), batchSize: Int = 8_192) -> Source<NexmarkPerson> {
        NexmarkReader.source(events: events, generator: generator, kind: .person, batchSize: batchSize) {
            if case .person(let person) = $0 { return person }
            return nil
        }
    }
}

extension Source where Value == NexmarkAuction {
    /// The auctions among the first `events` Nexmark events, generated in memory.
    public static func nexmarkAuctions(events: Int64, generator: NexmarkGenerator = NexmarkGenerator(), batchSize: Int = 8_192) -> Source<NexmarkAuction> {
        NexmarkReader.source(events: events, generator: generator, kind: .auction, batchSize: batchSize) {
            if case .auction(let auction) = $0 { return auction }
            return nil
        }
    }
}

extension Source where Value == NexmarkBid {
    /// The bids among the first `events` Nexmark events, generated in memory.
    public static func nexmarkBids(events: Int64, generator: NexmarkGenerator = NexmarkGenerator(), batchSize: Int = 8_192) -> Source<NexmarkBid> {
        NexmarkReader.source(events: events, generator: generator, kind: .bid, batchSize: batchSize) {
            if case .bid(let bid) = $0 { return bid }
            return nil
        }
    }
}

/// Reads one kind of the generated Nexmark events in generation order. Its position is the
/// index of the next event to look at, so it restores from checkpoints.
final class NexmarkReader<Value: Sendable>: SourceReader {
    let generator: NexmarkGenerator
    let events: Int64
    let kind: NexmarkGenerator.Kind
    let batchSize: Int
    let pick: @Sendable (NexmarkEvent) -> Value?
    private let cursor = Mutex<Int64>(0)

    init(generator: NexmarkGenerator, events: Int64, kind: NexmarkGenerator.Kind, batchSize: Int, start: Int64,
         pick: @escaping @Sendable (NexmarkEvent) -> Value?) {
        self.generator = generator
        self.events = events
        self.kind = kind
        self.batchSize = batchSize
        self.pick = pick
        cursor.withLock { $0 = start }
    }

    static func source(events: Int64, generator: NexmarkGenerator, kind: NexmarkGenerator.Kind, batchSize: Int,
                       pick: @escaping @Sendable (NexmarkEvent) -> Value?) -> Source<Value> {
        Source("\(events) generated Nexmark events, \(kind)s") { context in
            var start: Int64 = 0
            if let position = context.restoredPosition {
                guard let index = Int64(position), (0...events).contains(index) else {
                    throw StreamError(.stateful, step: context.stepID, action: "restore", position: position, message: "not a Nexmark event index")
                }
                start = index
            }
            return NexmarkReader(generator: generator, events: events, kind: kind, batchSize: max(1, batchSize), start: start, pick: pick)
        }
    }

    var position: String? { String(cursor.withLock { $0 }) }

    func next() async throws -> RecordBatch<Value>? {
        var index = cursor.withLock { $0 }
        guard index < events else { return nil }
        var values: [Value] = []
        values.reserveCapacity(batchSize)
        while index < events && values.count < batchSize {
            if NexmarkGenerator.kind(of: index) == kind, let value = pick(generator.event(index)) { values.append(value) }
            index += 1
        }
        cursor.withLock { [index] in $0 = index }
        return RecordBatch(values: values)
    }
}
