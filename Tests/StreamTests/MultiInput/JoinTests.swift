import Operators
import PropertyBased
import StreamTesting
import Testing

/// Joins and co-processing of two inputs against naive one-record-at-a-time models over the
/// merged stream (records by the watermark before them, then input, then read order): whatever
/// the interleaving of the inputs' batches, the batch sizes, the workers, and stops restored onto
/// another parallelism.
@Suite(.timeLimit(.minutes(3))) struct JoinTests {
    typealias Tagged = UnionTests.Tagged

    /// Both inputs' records in merged order, each with the watermark before it.
    static func merged(_ inputs: [[Event]], delays: [Int64]) -> [(watermark: Int64, record: Tagged)] {
        var merged: [(watermark: Int64, record: Tagged)] = []
        for (input, events) in inputs.enumerated() {
            let watermarks = NaiveModel.watermarksBefore(events, delay: delays[input])
            for (index, event) in events.enumerated() {
                merged.append((watermarks[index], Tagged(input: input, index: index, event: event)))
            }
        }
        merged.sort { ($0.watermark, $0.record.input, $0.record.index) < ($1.watermark, $1.record.input, $1.record.index) }
        return merged
    }

    /// What a join job produced: its results in order and its late records.
    struct Outcome<Output: Equatable & Sendable>: Equatable, Sendable {
        var results: [Output]
        var late: [Tagged]
    }

    /// How a run is cut: batch sizes, the inputs' turns, workers, and an optional stop (restored after).
    struct Cut: Sendable {
        var sizes: [[Int]]
        var seed: Int
        var workers: Int
        var stopAt: Int?
        var restoreWorkers: Int

        static func from(seed: Int, first: [Event]) -> Cut {
            Cut(sizes: [[1 + seed % 7, 1 + seed % 13], [1 + seed % 5, 1 + seed % 11]], seed: seed, workers: 1 + seed % 3,
                stopAt: seed % 2 == 0 && !first.isEmpty ? (seed / 2) % first.count : nil, restoreWorkers: 1 + (seed / 3) % 3)
        }
    }

    /// Runs `build`'s job over the two inputs cut as `cut` says: taking turns at random when not
    /// stopped, else stopped at a record of input 0 and restored (from its checkpoint) onto
    /// another number of workers.
    static func run<Output: Sendable>(
        _ inputs: [[Event]], delays: [Int64], cut: Cut,
        build: @escaping @Sendable (DataStream<Tagged>, DataStream<Tagged>) -> (DataStream<Output>, DataStream<Either<Tagged, Tagged>>?)
    ) async throws -> (results: [Output], late: [Tagged]) {
        let results = TestSink<Output>()
        let late = TestSink<Either<Tagged, Tagged>>()
        let root = temporaryDirectory("join-tests")
        let runs = cut.stopAt == nil ? 1 : 2
        for run in 0..<runs {
            let control = RunControl()
            let turns = inputs.indices.map { batched(inputs[$0], sizes: cut.sizes[$0]).count }
            let turnstile = Turnstile(schedule: cut.stopAt == nil ? Turnstile.schedule(turns: turns, seed: cut.seed) : nil)
            let job = Job("join")
            let streams = inputs.indices.map { input in
                job.source("in-\(input)", .turns(inputs[input].enumerated().map { Tagged(input: input, index: $0.offset, event: $0.element) },
                                                sizes: cut.sizes[input], source: input, turnstile: turnstile))
                    .map { record in
                        if run == 0 && record.input == 0 && record.index == cut.stopAt { control.stop() }
                        return record
                    }
                    .eventTime({ $0.event.timestamp }, watermark: .boundedOutOfOrderness(.milliseconds(delays[input])))
            }
            let (out, lateOut) = build(streams[0], streams[1])
            out.sink("results", results.sink)
            lateOut?.sink("late", late.sink)
            let options = cut.stopAt == nil ? RunOptions(control: control)
                : RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600), restore: run == 0 ? nil : .latest, control: control)
            try await job.run(on: Runtime(workers: run == 0 ? cut.workers : cut.restoreWorkers), options: options)
        }
        return (results.values, late.values.map { $0.first ?? $0.second! })
    }

    // MARK: Interval join

    static func intervalModel(_ merged: [(watermark: Int64, record: Tagged)], lower: Int64, upper: Int64)
    -> (pairs: [Joined<Tagged, Tagged>], late: [Tagged]) {
        var pairs: [Joined<Tagged, Tagged>] = []
        var late: [Tagged] = []
        var seen: [Tagged] = []
        for (watermark, record) in merged {
            guard record.event.timestamp >= watermark else { late.append(record); continue }
            for other in seen where other.input != record.input && other.event.key == record.event.key {
                let (first, second) = record.input == 0 ? (record, other) : (other, record)
                if second.event.timestamp >= first.event.timestamp + lower && second.event.timestamp <= first.event.timestamp + upper {
                    pairs.append(Joined(first: first, second: second))
                }
            }
            seen.append(record)
        }
        return (pairs, late)
    }

    @Test func intervalJoinGivesTheModelsPairsInTheModelsOrder() async throws {
        await propertyCheck(count: 40, input: WindowDifferentialTests.events, WindowDifferentialTests.events, Gen.int(in: 0...1_000_000)) { first, second, seed in
            let delays: [Int64] = [4, Int64(seed % 6)]
            let lower = Int64(seed % 5) - 3
            let upper = lower + Int64(seed % 7)
            let expected = Self.intervalModel(Self.merged([first, second], delays: delays), lower: lower, upper: upper)
            let actual = try await Self.run([first, second], delays: delays, cut: .from(seed: seed, first: first)) { a, b in
                let joined = a.intervalJoin(b, on: \.event.key, \.event.key, between: .milliseconds(lower) ... .milliseconds(upper), id: "j")
                return (joined.results, joined.late)
            }
            #expect(actual.results == expected.pairs, "seed \(seed), bounds \(lower)...\(upper)")
            #expect(actual.late == expected.late, "seed \(seed)")
        }
    }

    @Test func intervalOuterJoinAlsoGivesEveryUnmatchedRecordOnce() async throws {
        await propertyCheck(count: 30, input: WindowDifferentialTests.events, WindowDifferentialTests.events, Gen.int(in: 0...1_000_000)) { first, second, seed in
            let delays: [Int64] = [3, 3]
            let expected = Self.intervalModel(Self.merged([first, second], delays: delays), lower: -2, upper: 2)
            let late = Set(expected.late)
            let matched = Set(expected.pairs.flatMap { [$0.first, $0.second] })
            let all = Self.merged([first, second], delays: delays).map(\.record)
            var model = expected.pairs.map { OuterJoined(first: $0.first, second: $0.second) }
            model += all.filter { !late.contains($0) && !matched.contains($0) }
                .map { $0.input == 0 ? OuterJoined(first: $0, second: nil) : OuterJoined(first: nil, second: $0) }
            let actual = try await Self.run([first, second], delays: delays, cut: .from(seed: seed, first: first)) { a, b in
                let joined = a.intervalOuterJoin(b, .full, on: \.event.key, \.event.key, between: .milliseconds(-2) ... .milliseconds(2), id: "j")
                return (joined.results, joined.late)
            }
            #expect(Self.sorted(actual.results) == Self.sorted(model), "seed \(seed)")
            #expect(actual.late == expected.late)
        }
    }

    static func sorted(_ values: [OuterJoined<Tagged, Tagged>]) -> [String] {
        values.map { "\($0.first.map { "\($0.input)/\($0.index)" } ?? "-") \($0.second.map { "\($0.input)/\($0.index)" } ?? "-")" }.sorted()
    }

    // MARK: Window join

    @Test func windowJoinGivesEveryPairOfAKeysRecordsInEachWindow() async throws {
        let specs: [WindowSpec] = [.tumbling(.milliseconds(10)), .sliding(.milliseconds(12), every: .milliseconds(4)), .session(gap: .milliseconds(6))]
        await propertyCheck(count: 40, input: WindowDifferentialTests.events, WindowDifferentialTests.events, Gen.int(in: 0...1_000_000)) { first, second, seed in
            let delays: [Int64] = [4, Int64(seed % 6)]
            let spec = specs[seed % 3]
            let merged = Self.merged([first, second], delays: delays)
            // The model: the records that are not late for all their windows, grouped per key and window.
            var late: [Tagged] = []
            var groups: [String: (firsts: [Tagged], seconds: [Tagged])] = [:]
            if case .session(let gap) = spec {
                // Per key, the open sessions; one fires (and is gone) once the watermark reaches its end − 1.
                var open: [Int: [(window: Window, records: [Tagged])]] = [:]
                var fired = 0
                func fire(upTo watermark: Int64) {
                    for key in open.keys {
                        for session in open[key]! where session.window.maxTimestamp <= watermark {
                            groups["\(key)/\(fired)"] = (session.records.filter { $0.input == 0 }, session.records.filter { $0.input == 1 })
                            fired += 1
                        }
                        open[key]!.removeAll { $0.window.maxTimestamp <= watermark }
                    }
                }
                for (before, record) in merged {
                    fire(upTo: before)
                    var window = Window(start: record.event.timestamp, end: record.event.timestamp + gap)
                    var records = [record]
                    var kept: [(window: Window, records: [Tagged])] = []
                    for session in open[record.event.key] ?? [] {
                        if session.window.start <= window.end && session.window.end >= window.start {
                            window = Window(start: min(window.start, session.window.start), end: max(window.end, session.window.end))
                            records = session.records + records
                        } else {
                            kept.append(session)
                        }
                    }
                    if window.maxTimestamp <= before {
                        late.append(record)
                        continue
                    }
                    open[record.event.key] = kept + [(window, records.sorted { ($0.input, $0.index) < ($1.input, $1.index) })]
                }
                fire(upTo: .max)
            } else {
                var watermark = Int64.min
                for (before, record) in merged {
                    watermark = max(watermark, before)
                    var windows: [Window] = []
                    spec.forEachWindow(of: record.event.timestamp) { windows.append($0) }
                    let live = windows.filter { $0.maxTimestamp > watermark }
                    if live.isEmpty { late.append(record) }
                    for window in live {
                        let id = "\(record.event.key)/\(window)"
                        if record.input == 0 { groups[id, default: ([], [])].firsts.append(record) } else { groups[id, default: ([], [])].seconds.append(record) }
                    }
                }
            }
            let model = groups.values.flatMap { group in group.firsts.flatMap { a in group.seconds.map { Joined(first: a, second: $0) } } }
            let actual = try await Self.run([first, second], delays: delays, cut: .from(seed: seed, first: first)) { a, b in
                let joined = a.join(b, on: \.event.key, \.event.key).window("j", spec)
                return (joined.results, joined.late)
            }
            #expect(actual.results.map(Self.pairText).sorted() == model.map(Self.pairText).sorted(), "seed \(seed), \(spec)")
            #expect(actual.late == late, "seed \(seed)")
        }
    }

    static func pairText(_ pair: Joined<Tagged, Tagged>) -> String {
        "\(pair.first.input)/\(pair.first.index) \(pair.second.input)/\(pair.second.index)"
    }

    @Test func windowJoinOutputDoesNotDependOnInterleavingOrWorkers() async throws {
        await propertyCheck(count: 20, input: WindowDifferentialTests.events, WindowDifferentialTests.events, Gen.int(in: 0...1_000_000)) { first, second, seed in
            var outputs: [[String]] = []
            for variant in 0..<2 {
                var cut = Cut.from(seed: seed + variant * 7_919, first: first)
                cut.stopAt = nil
                let actual = try await Self.run([first, second], delays: [4, 2], cut: cut) { a, b in
                    let joined = a.join(b, on: \.event.key, \.event.key).outerWindow("j", .full, .sliding(.milliseconds(12), every: .milliseconds(4)))
                    return (joined.results, joined.late)
                }
                outputs.append(actual.results.map { "\($0.first.map { "\($0.input)/\($0.index)" } ?? "-") \($0.second.map { "\($0.input)/\($0.index)" } ?? "-")" })
            }
            #expect(outputs[0] == outputs[1], "seed \(seed)")
        }
    }

    // MARK: Unwindowed join

    @Test func unwindowedJoinJoinsWithWhatIsStillAlive() async throws {
        await propertyCheck(count: 30, input: WindowDifferentialTests.events, WindowDifferentialTests.events, Gen.int(in: 0...1_000_000)) { first, second, seed in
            let delays: [Int64] = [4, 2]
            let ttl = Int64(5 + seed % 20)
            var expected: [Joined<Tagged, Tagged>] = []
            var seen: [Tagged] = []
            for (watermark, record) in Self.merged([first, second], delays: delays) {
                for other in seen where other.input != record.input && other.event.key == record.event.key
                    && (watermark == .min || other.event.timestamp + ttl > watermark) {
                    expected.append(record.input == 0 ? Joined(first: record, second: other) : Joined(first: other, second: record))
                }
                seen.append(record)
            }
            let actual = try await Self.run([first, second], delays: delays, cut: .from(seed: seed, first: first)) { a, b in
                (a.join(b, on: \.event.key, \.event.key).unwindowed("j", timeToLive: .eventTime(.milliseconds(ttl))), nil)
            }
            #expect(actual.results == expected, "seed \(seed), ttl \(ttl)")
        }
    }

    // MARK: Co-process

    /// Per key: how many records of each stream so far; emits both counts after each record, and
    /// the key's total when the watermark reaches a record's time plus 10.
    struct Counts: KeyedCoProcessFunction {
        var counts: KeyedState<Int, [Int]>
        init(restoring state: KeyedState<Int, [Int]>) { counts = state }
        func snapshot() -> KeyedState<Int, [Int]> { counts }

        mutating func count(_ key: Int, side: Int) -> [Int] {
            var both = counts[key] ?? [0, 0]
            both[side] += 1
            counts[key] = both
            return both
        }

        mutating func processFirst(_ record: KeyedRecord<Int, Tagged>, _ output: inout ProcessOutput<Int, String>) {
            output.emit("k\(record.key) \(count(record.key, side: 0))", for: record)
            output.setTimer(.eventTime, for: record.key, at: record.timestamp + 10)
        }

        mutating func processSecond(_ record: KeyedRecord<Int, Tagged>, _ output: inout ProcessOutput<Int, String>) {
            output.emit("k\(record.key) \(count(record.key, side: 1))", for: record)
        }

        mutating func onTimer(_ timer: KeyedTimer<Int>, _ output: inout ProcessOutput<Int, String>) {
            output.emit("k\(timer.key) at \(timer.time): \(counts[timer.key] ?? [])")
        }
    }

    @Test func coProcessSeesBothStreamsInOneOrderWhateverTheInterleaving() async throws {
        await propertyCheck(count: 30, input: WindowDifferentialTests.events, WindowDifferentialTests.events, Gen.int(in: 0...1_000_000)) { first, second, seed in
            let delays: [Int64] = [4, 1]
            var counts: [Int: [Int]] = [:]
            var expectedRecords: [String] = []
            for (_, record) in Self.merged([first, second], delays: delays) {
                counts[record.event.key, default: [0, 0]][record.input] += 1
                expectedRecords.append("k\(record.event.key) \(counts[record.event.key]!)")
            }
            let actual = try await Self.run([first, second], delays: delays, cut: .from(seed: seed, first: first)) { a, b in
                (a.connect(b).keyed(by: \.event.key, \.event.key).process("counts") { Counts(restoring: $0) }, nil)
            }
            #expect(actual.results.filter { !$0.contains(" at ") } == expectedRecords, "seed \(seed)")
            let timers = Set(first.map { "k\($0.key) at \($0.timestamp + 10)" })
            #expect(Set(actual.results.filter { $0.contains(" at ") }.map { String($0.prefix { $0 != ":" }) }) == timers)
        }
    }

    // MARK: Broadcast state

    /// Counts each key's records; the broadcast stream sets a limit per key; each record emits
    /// its key's count and the limit in force.
    struct Limits: KeyedBroadcastProcessFunction {
        var counts: KeyedState<Int, Int>
        init(restoring state: KeyedState<Int, Int>) { counts = state }
        func snapshot() -> KeyedState<Int, Int> { counts }

        static func processBroadcast(_ rule: Tagged, _ limits: inout [Int: Int]) {
            limits[rule.event.key] = rule.event.value
        }

        mutating func process(_ record: KeyedRecord<Int, Tagged>, broadcast limits: [Int: Int], _ output: inout ProcessOutput<Int, String>) {
            counts[record.key, default: 0] += 1
            output.emit("k\(record.key) n=\(counts[record.key]!) limit=\(limits[record.key] ?? -1)", for: record)
        }
    }

    @Test func broadcastStateIsSeenByEveryRangeInTheMergedOrder() async throws {
        await propertyCheck(count: 30, input: WindowDifferentialTests.events, WindowDifferentialTests.events, Gen.int(in: 0...1_000_000)) { first, second, seed in
            let delays: [Int64] = [3, 1]
            var limits: [Int: Int] = [:]
            var counts: [Int: Int] = [:]
            var expected: [String] = []
            for (_, record) in Self.merged([first, second], delays: delays) {
                if record.input == 1 {
                    limits[record.event.key] = record.event.value
                } else {
                    counts[record.event.key, default: 0] += 1
                    expected.append("k\(record.event.key) n=\(counts[record.event.key]!) limit=\(limits[record.event.key] ?? -1)")
                }
            }
            let actual = try await Self.run([first, second], delays: delays, cut: .from(seed: seed, first: first)) { a, b in
                (a.keyed(by: \.event.key).process("limits", broadcast: b, initial: [:]) { Limits(restoring: $0) }, nil)
            }
            #expect(actual.results == expected, "seed \(seed)")
        }
    }
}
