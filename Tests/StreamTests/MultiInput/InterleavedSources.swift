import Stream
import StreamTesting
import Synchronization

/// Decides which of several test sources may return its next batch: a fixed schedule of source
/// numbers, so a test chooses how the inputs' batches interleave in time.
final class Turnstile: Sendable {
    private struct State {
        var schedule: [Int]?
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state: Mutex<State>

    /// A turnstile following `schedule`; with nil, every source may go at any time.
    init(schedule: [Int]?) {
        state = Mutex(State(schedule: schedule))
    }

    /// Waits until it is `source`'s turn.
    func wait(for source: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.schedule == nil || state.schedule?.first == source { return true }
                state.waiters[source] = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Ends the current turn and wakes the source whose turn is next.
    func pass() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.schedule != nil else { return nil }
            state.schedule!.removeFirst()
            guard let next = state.schedule!.first else { return nil }
            return state.waiters.removeValue(forKey: next)
        }
        waiter?.resume()
    }

    /// A random schedule giving each source its number of turns.
    static func schedule(turns: [Int], seed: Int) -> [Int] {
        var schedule = turns.enumerated().flatMap { Array(repeating: $0.offset, count: $0.element) }
        var random = SeededRandom(seed: UInt64(seed))
        schedule.shuffle(using: &random)
        return schedule
    }
}

/// A source returning its batches only on its turns; its position is the number of records
/// returned, and a restored one starts after them.
final class TurnTakingReader<Value: Sendable>: SourceReader {
    let source: Int
    let turnstile: Turnstile
    let batches: Mutex<[[Value]]>
    let taken: Mutex<Int>

    init(source: Int, values: [Value], sizes: [Int], turnstile: Turnstile, restoredPosition: String? = nil) {
        self.source = source
        self.turnstile = turnstile
        let skip = restoredPosition.flatMap { Int($0) } ?? 0
        batches = Mutex(batched(Array(values.dropFirst(skip)), sizes: sizes))
        taken = Mutex(skip)
    }

    var position: String? { String(taken.withLock { $0 }) }

    func next() async throws -> RecordBatch<Value>? {
        guard batches.withLock({ !$0.isEmpty }) else { return nil }
        await turnstile.wait(for: source)
        defer { turnstile.pass() }
        let batch = batches.withLock { $0.removeFirst() }
        taken.withLock { $0 += batch.count }
        return RecordBatch(values: batch)
    }
}

extension Source {
    /// `values` in batches of `sizes`, each returned on the source's turn of `turnstile`.
    static func turns(_ values: [Value], sizes: [Int], source: Int, turnstile: Turnstile) -> Source<Value> {
        Source("\(values.count) records taking turns") { context in
            TurnTakingReader(source: source, values: values, sizes: sizes, turnstile: turnstile, restoredPosition: context.restoredPosition)
        }
    }
}

/// Cuts `values` into batches of the sizes given, in turn.
func batched<Value>(_ values: [Value], sizes: [Int]) -> [[Value]] {
    var batches: [[Value]] = []
    var index = 0
    var turn = 0
    while index < values.count {
        let size = max(1, sizes[turn % sizes.count])
        batches.append(Array(values[index..<min(values.count, index + size)]))
        index += size
        turn += 1
    }
    return batches
}
