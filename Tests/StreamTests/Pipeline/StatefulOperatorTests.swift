import Operators
import PropertyBased
import StreamTesting
import Testing


/// A user operator with event-time timers: per key, the records since the key's last quiet
/// spell; when `gap` passes without a record (by the watermark), it emits the key's count.
struct QuietAlert: KeyedProcessFunction {
    struct Tally: Codable, Sendable {
        var count: Int
        var last: Int64
    }

    let gap: Int64
    var tallies: KeyedState<Int, Tally>

    init(gap: Int64, restoring state: KeyedState<Int, Tally>) {
        self.gap = gap
        tallies = state
    }

    func snapshot() -> KeyedState<Int, Tally> { tallies }

    mutating func process(_ record: KeyedRecord<Int, Event>, _ output: inout ProcessOutput<Int, KeyedValue<Int, Int>>) {
        var tally = tallies[record.key] ?? Tally(count: 0, last: record.timestamp)
        tally.count += 1
        tally.last = max(tally.last, record.timestamp)
        tallies[record.key] = tally
        output.setTimer(.eventTime, for: record.key, at: tally.last + gap)
    }

    mutating func onTimer(_ timer: KeyedTimer<Int>, _ output: inout ProcessOutput<Int, KeyedValue<Int, Int>>) {
        guard let tally = tallies[timer.key], tally.last + gap == timer.time else { return }
        output.emit(KeyedValue(key: timer.key, value: tally.count))
        tallies[timer.key] = nil
    }
}

/// The stateful operators against naive one-record-at-a-time models, over random batch sizes,
/// parallelism, and stops restored with another parallelism (2 → 3 → 1 and the like).
@Suite(.timeLimit(.minutes(2))) struct StatefulOperatorTests {
    enum Kind: CaseIterable {
        case dedupe, reduce, topK, quietAlert
    }

    /// What each operator emits, as text, in order.
    static func naive(_ kind: Kind, _ events: [Event], delay: Int64) -> [String] {
        var out: [String] = []
        var watermark = Int64.min
        var maxSeen = Int64.min
        switch kind {
        case .dedupe:
            var kept: [Int: Int64] = [:]
            for event in events {
                kept = kept.filter { $0.value + 15 > watermark }
                if let last = kept[event.key], abs(event.timestamp - last) < 15 {
                } else {
                    kept[event.key] = event.timestamp
                    out.append("\(event)")
                }
                maxSeen = max(maxSeen, event.timestamp)
                watermark = maxSeen - delay
            }
        case .reduce:
            var sums: [Int: Int] = [:]
            for event in events {
                sums[event.key, default: 0] += event.value
                out.append("k\(event.key)=\(sums[event.key]!)")
            }
        case .topK:
            var lists: [Int: [Event]] = [:]
            for event in events {
                var list = lists[event.key] ?? []
                let place = list.firstIndex { $0.value < event.value } ?? list.count
                guard place < 2 else { continue }
                list.insert(event, at: place)
                list = Array(list.prefix(2))
                lists[event.key] = list
                out.append("k\(event.key)=\(list)")
            }
        case .quietAlert:
            var tallies: [Int: (count: Int, last: Int64)] = [:]
            func fire(upTo mark: Int64) {
                let due = tallies.filter { $0.value.last + 10 <= mark }
                    .sorted { a, b in
                        let (x, y) = (groupAndHash(a.key), groupAndHash(b.key))
                        return (a.value.last, x.0, x.1) < (b.value.last, y.0, y.1)
                    }
                for (key, tally) in due {
                    out.append("k\(key)=\(tally.count)")
                    tallies[key] = nil
                }
            }
            for event in events {
                fire(upTo: watermark)
                var tally = tallies[event.key] ?? (0, event.timestamp)
                tally.count += 1
                tally.last = max(tally.last, event.timestamp)
                tallies[event.key] = tally
                maxSeen = max(maxSeen, event.timestamp)
                watermark = maxSeen - delay
            }
            fire(upTo: Int64.max)
        }
        return out
    }

    static func groupAndHash(_ key: Int) -> (Int, UInt64) { (KeyGroups().group(of: key), key.stableHash) }

    /// Builds the operator's job, runs it with stops after the batches holding `stops`, each
    /// restored with the next parallelism, and returns what the sink got.
    static func run(_ kind: Kind, _ events: [Event], delay: Int64, batchSize: Int, stops: [Int], workers: [Int]) async throws -> [String] {
        let sink = TestSink<String>()
        let root = RestoreDifferentialTests.checkpointRoot()
        for (run, workerCount) in workers.enumerated() {
            let control = RunControl()
            let job = Job("stateful")
            let indexed = events.enumerated().map { PipelineTests.IndexedEvent(position: $0.offset, event: $0.element) }
            let keyed = job.source("events", .records(indexed, batchSize: batchSize))
                .map { record in
                    if run < stops.count && record.position == stops[run] { control.stop() }
                    return record.event
                }
                .eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.milliseconds(delay)))
                .keyed(by: \.key)
            let texts: DataStream<String> = switch kind {
            case .dedupe: keyed.dedupe("op", within: .milliseconds(15)).map { "\($0)" }
            case .reduce:
                keyed.reduce("op") { Event(timestamp: $1.timestamp, key: $0.key, value: $0.value + $1.value) }
                    .map { "k\($0.key)=\($0.value.value)" }
            case .topK: keyed.topK("op", 2, by: \.value).map { "k\($0.key)=\($0.value)" }
            case .quietAlert: keyed.process("op") { QuietAlert(gap: 10, restoring: $0) }.map { "k\($0.key)=\($0.value)" }
            }
            texts.sink("out", sink.sink)
            let options = RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600),
                                     restore: run == 0 ? nil : .latest, control: control)
            try await job.run(on: Runtime(workers: workerCount), options: options)
        }
        return sink.values
    }

    @Test(arguments: Kind.allCases)
    func operatorsMatchTheirNaiveModelsThroughStopsAndRescales(kind: Kind) async throws {
        await propertyCheck(count: 40, input: WindowDifferentialTests.events, Gen.int(in: 1...20), Gen.int(in: 0...119), Gen.int(in: 0...119)) { events, batchSize, first, second in
            let stops = [min(first, second), max(first, second)]
            let expected = Self.naive(kind, events, delay: 4)
            let actual = try await Self.run(kind, events, delay: 4, batchSize: batchSize, stops: stops, workers: [2, 3, 1])
            #expect(actual == expected, "\(kind), batch \(batchSize), stops \(stops), events \(events)")
        }
    }
}
