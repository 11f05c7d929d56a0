import Connectors
public import Operators

/// q8's per-window, per-id tally: the person's names, and whether it sold anything.
struct PersonsAndSales: Codable, Sendable {
    var names: [String] = []
    var sold = false
}

extension Pipelines {
    /// Nexmark q8 (monitor new users): persons who opened an auction in the 10 s window in
    /// which they appeared.
    public static let nexmarkQ8 = Pipeline("nexmark-q8", "Nexmark q8: new persons who sold in their first 10 s window", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q8")
        input.persons(job).map { Either<NexmarkPerson, NexmarkAuction>.first($0) }
            .union(input.auctions(job).map { Either<NexmarkPerson, NexmarkAuction>.second($0) }, id: "q8-both")
            .keyed(by: { $0.first?.id ?? $0.second!.seller })
            .window("q8-window", .tumbling(.seconds(10)))
            .aggregate(into: PersonsAndSales()) { tally, record in
                switch record {
                case .first(let person): if !tally.names.contains(person.name) { tally.names.append(person.name) }
                case .second: tally.sold = true
                }
            } merge: { tally, other in
                for name in other.names where !tally.names.contains(name) { tally.names.append(name) }
                tally.sold = tally.sold || other.sold
            }
            .results
            .flatMap { window in
                window.value.sold ? window.value.names.map { NexmarkRow(.number(window.key), .text($0), .number(window.window.start)) } : []
            }
            .sink("q8", input.output())
        return job
    }

    /// Nexmark q11 (user sessions): bids per bidder per session (10 s gap; windows that touch merge).
    public static let nexmarkQ11 = Pipeline("nexmark-q11", "Nexmark q11: bids per bidder session", settings: NexmarkInput.settings) { settings in
        let input = try NexmarkInput(settings)
        let job = Job("nexmark-q11")
        input.bids(job)
            .keyed(by: \.bidder)
            .window("q11-sessions", .session(gap: .seconds(10)))
            .aggregate(.count())
            .results
            .map { NexmarkRow(.number($0.key), .number(Int64($0.value)), .number($0.window.start), .number($0.window.end)) }
            .sink("q11", input.output())
        return job
    }
}
