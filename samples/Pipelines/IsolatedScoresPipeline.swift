import Connectors
import Foundation
public import Operators

/// An event with the score user code gave it. `Codable` only: the isolated step sends it back
/// in that general form, while its input (`W1Event`) travels as a `BinaryRecord`.
public struct ScoredEvent: Codable, Sendable {
    public var timestamp: Int64
    public var key: String
    public var score: Int64
}

extension Pipelines {
    /// W1 events scored by user code that runs in worker processes (an isolated step), then
    /// counted and summed per key per second. `poison-key` makes the scoring code fail on that
    /// key's events — trap, loop for ever or allocate without bound (`poison`) — to show what
    /// happens: each such record goes to the dead-letter file (`dead-letters`, by default
    /// `poison.jsonl` beside the output) with the cause, and the job finishes with the rest.
    /// Settings: `input` (without it, `events` generated), `output`, `poison-key`, `poison`,
    /// `dead-letters`, `timeout-ms` (how long one batch may run in a worker).
    public static let isolatedScores = Pipeline(
        "isolated-scores", "W1 events scored by user code in worker processes; a record that crashes it goes to dead letters", settings: [
            .string("input", help: "a file, directory or glob of ts_ms,key,value lines; without it, events are generated"),
            .int("events", default: 1_000_000, help: "how many events to generate without input"),
            .string("output", default: "out/isolated-scores.csv", help: "the per-key, per-second counts and score sums"),
            .string("poison-key", help: "events with this key make the scoring code fail (to try isolation out)"),
            .choice("poison", among: ["trap", "loop", "allocate"], default: "trap", help: "how the scoring code fails on the poison key"),
            .string("dead-letters", help: "where records that kill a worker go (default: poison.jsonl beside the output; empty: such a record stops the job)"),
            .int("timeout-ms", default: 10000, help: "how long one batch may run in a worker before it is killed"),
        ]
    ) { settings in
        let output = settings.string("output", default: "out/isolated-scores.csv")
        let directory = (output as NSString).deletingLastPathComponent
        let deadLetters = settings.string("dead-letters", default: directory.isEmpty ? "poison.jsonl" : "\(directory)/poison.jsonl")
        let scorer = Scorer(poisonKey: settings.values["poison-key"], failure: try settings.choice("poison", among: ["trap", "loop", "allocate"], default: "trap"))
        let timeout = Duration.milliseconds(try settings.int("timeout-ms", default: 10000))
        let generated = try settings.int("events", default: 1_000_000)
        let source: Source<W1Event> = settings.values["input"].map { .csvFile($0, as: W1Event.self) } ?? .w1Events(count: generated)
        let job = Job("isolated-scores")
        job.source("events", source)
            .eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.seconds(2)))
            .map { scorer.score($0) }
            .isolated("score", deadLetters: deadLetters.isEmpty ? nil : .deadLetterFile(deadLetters), timeout: timeout)
            .keyed(by: \.key)
            .window("per-second", .tumbling(.seconds(1)))
            .aggregate(.count(), .sum(\.score))
            .results
            .map { KeyCountRow(windowEnd: $0.window.end, key: $0.key, count: $0.value.0, sum: $0.value.1) }
            .sink("scores", .csvFile(output))
        return job
    }
}

/// The user code of `isolated-scores`: a score from an event's value, with a bug on one key.
struct Scorer: Sendable {
    let poisonKey: String?
    let failure: String

    func score(_ event: W1Event) -> ScoredEvent {
        if event.key == poisonKey {
            switch failure {
            case "loop":
                var spins: Int64 = 0
                while event.key == poisonKey { spins &+= 1 }
                return ScoredEvent(timestamp: event.timestamp, key: event.key, score: spins)
            case "allocate":
                var held: [[Int64]] = []
                while event.key == poisonKey { held.append([Int64](repeating: event.value, count: 1 << 21)) }
                return ScoredEvent(timestamp: event.timestamp, key: event.key, score: Int64(held.count))
            default:
                let weights: [String: Int64] = [:]
                return ScoredEvent(timestamp: event.timestamp, key: event.key, score: event.value * weights[event.key]!)
            }
        }
        return ScoredEvent(timestamp: event.timestamp, key: event.key, score: event.value % 97 + 1)
    }
}
