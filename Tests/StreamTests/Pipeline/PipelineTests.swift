import Operators
import PropertyBased
import StreamTesting
import Testing

@Suite struct PipelineTests {
    /// Runs events through a real job: event time, keyed tumbling/sliding/session window with
    /// count and sum, results and late records collected.
    static func runJob(_ events: [Event], delay: Int64, spec: WindowSpec, lateness: Int64,
                       batchSize: Int, workers: Int) async throws -> WindowRun {
        let job = Job("differential")
        let indexed = events.enumerated().map { IndexedEvent(position: $0.offset, event: $0.element) }
        let windowed = job.source("events", .records(indexed, batchSize: batchSize))
            .eventTime({ $0.event.timestamp }, watermark: .boundedOutOfOrderness(.milliseconds(delay)))
            .keyed(by: { $0.event.key })
            .window("w", spec, allowedLateness: .milliseconds(lateness))
            .aggregate(.count(), .sum(\.event.value))
        let results = TestSink<WindowResult<Int, (Int, Int)>>()
        let late = TestSink<IndexedEvent>()
        windowed.results.sink("results", results.sink)
        windowed.late.sink("late", late.sink)
        let runtime = Runtime(workers: workers)
        try await job.run(on: runtime)
        #expect(results.isClosed && late.isClosed)
        return WindowRun(
            rows: results.values.map { .init(window: $0.window, key: $0.key, count: $0.value.0, sum: $0.value.1) },
            late: late.values.map(\.position))
    }

    struct IndexedEvent: Sendable {
        var position: Int
        var event: Event
    }

    @Test func jobGivesTheNaiveModelsResultsForEveryWindowKind() async throws {
        let specs: [WindowSpec] = [.tumbling(.milliseconds(10)), .sliding(.milliseconds(12), every: .milliseconds(4)), .session(gap: .milliseconds(6))]
        await propertyCheck(count: 60, input: WindowDifferentialTests.events, Gen.int(in: 1...40), Gen.int(in: 1...3), Gen.int(in: 0...2)) { events, batchSize, workers, kind in
            let spec = specs[kind]
            let expected = NaiveModel.run(events, delay: 4, spec: spec, lateness: 5)
            let actual = try await Self.runJob(events, delay: 4, spec: spec, lateness: 5, batchSize: batchSize, workers: workers)
            #expect(actual == expected, "spec \(spec), batch \(batchSize), workers \(workers), events \(events)")
        }
    }

    @Test func filteredRecordsStillMoveTheWatermark() async throws {
        // The filtered record at t=100 advances the watermark, so window [0, 10) fires and the
        // record at t=5 that follows is late.
        let job = Job("filter")
        let windowed = job.source("events", .records([Event(timestamp: 1, key: 1, value: 1), Event(timestamp: 100, key: 2, value: 0),
                                                     Event(timestamp: 5, key: 1, value: 1)], batchSize: 3))
            .eventTime({ $0.timestamp }, watermark: .ascending)
            .filter { $0.value > 0 }
            .keyed(by: { $0.key })
            .window("w", .tumbling(.milliseconds(10)))
            .aggregate(.count())
        let results = TestSink<WindowResult<Int, Int>>()
        let late = TestSink<Event>()
        windowed.results.sink("results", results.sink)
        windowed.late.sink("late", late.sink)
        try await job.run(on: Runtime(workers: 2))
        #expect(results.values == [WindowResult(window: Window(start: 0, end: 10), key: 1, value: 1)])
        #expect(late.values == [Event(timestamp: 5, key: 1, value: 1)])
    }

    @Test func unconnectedLateRecordsAreCountedNotLostSilently() async throws {
        let job = Job("late")
        job.source("events", .records([Event(timestamp: 50, key: 1, value: 1), Event(timestamp: 1, key: 1, value: 1)]))
            .eventTime({ $0.timestamp }, watermark: .ascending)
            .keyed(by: { $0.key })
            .window("w", .tumbling(.milliseconds(10)))
            .aggregate(.count())
            .results.sink("results", TestSink<WindowResult<Int, Int>>().sink)
        let summary = try await job.run(on: Runtime(workers: 1))
        #expect(summary.lateRecordsUnconnected == 1)
        #expect(summary.recordsRead == 2)
        #expect(summary.recordsWritten == 1)
    }

    @Test func statelessStepsKeepEachRecordsTime() async throws {
        let job = Job("stateless")
        let out = TestSink<Int>()
        job.source("numbers", .records(Array(1...10), batchSize: 3))
            .map { $0 * 10 }
            .filter { $0 % 20 == 0 }
            .flatMap { [$0, $0 + 1] }
            .compactMap { $0 % 2 == 0 ? $0 : nil }
            .sink("out", out.sink)
        try await job.run(on: Runtime(workers: 2))
        #expect(out.values == [20, 40, 60, 80, 100])
    }

    @Test func validateNamesEveryProblemAndWhatToChange() throws {
        let job = Job("broken")
        let events = job.source("events", .records([Event(timestamp: 1, key: 1, value: 1)]))
        events.keyed(by: { $0.key }).window("w", .tumbling(.milliseconds(0))).aggregate(.count())
            .results.sink("events", TestSink<WindowResult<Int, Int>>().sink)
        _ = events.map { $0.value }
        do {
            try job.validate()
            Issue.record("validate accepted a broken job")
        } catch let error as StreamError {
            let text = error.description
            #expect(text.contains("a tumbling window needs a size above zero"))
            #expect(text.contains("an event-time window needs event time; call .eventTime(_:watermark:) before .keyed(by:)"))
            #expect(text.contains("step id 'events' is used by both a source and a sink step"))
            #expect(text.contains("the output of map goes nowhere; end it with .sink(_:_:)"))
        }
    }
}

@Suite struct WindowOperatorsTests {
    struct Order: Sendable, Equatable, Codable {
        var time: Int64
        var user: String
        var amount: Int
    }

    static let orders = [Order(time: 10, user: "a", amount: 5), Order(time: 20, user: "b", amount: 1),
                         Order(time: 30, user: "a", amount: 9), Order(time: 40, user: "a", amount: 2),
                         Order(time: 1_010, user: "a", amount: 4)]

    @Test func reduceKeepsTheCombinedRecordPerKeyAndWindow() async throws {
        let job = Job("reduce")
        let out = TestSink<WindowResult<String, Order>>()
        job.source("orders", .records(Self.orders))
            .eventTime(\.time, watermark: .ascending)
            .keyed(by: \.user)
            .window("largest", .tumbling(.seconds(1)))
            .reduce { $0.amount >= $1.amount ? $0 : $1 }
            .results.sink("out", out.sink)
        try await job.run(on: Runtime(workers: 2))
        #expect(out.values.map { "\($0.window.start) \($0.key) \($0.value.amount)" } == ["0 a 9", "0 b 1", "1000 a 4"]
            || out.values.map { "\($0.window.start) \($0.key) \($0.value.amount)" } == ["0 b 1", "0 a 9", "1000 a 4"])
    }

    @Test func processSeesAllRecordsOfTheWindowInArrivalOrder() async throws {
        let job = Job("process")
        let out = TestSink<WindowResult<String, [Int]>>()
        job.source("orders", .records(Self.orders, batchSize: 2))
            .eventTime(\.time, watermark: .ascending)
            .keyed(by: \.user)
            .window("all", .tumbling(.seconds(1)))
            .process { _, _, orders in orders.map(\.amount) }
            .results.sink("out", out.sink)
        try await job.run(on: Runtime(workers: 2))
        let byKey = Dictionary(grouping: out.values, by: { "\($0.window.start) \($0.key)" }).mapValues { $0.map(\.value) }
        #expect(byKey == ["0 a": [[5, 9, 2]], "0 b": [[1]], "1000 a": [[4]]])
    }
}
