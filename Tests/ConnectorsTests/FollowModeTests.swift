import Connectors
import Foundation
import Operators
import StreamTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct FollowModeTests {
    func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func followedFileYieldsAppendedLinesUntilTheJobIsCancelled() async throws {
        let directory = try scratchDirectory()
        let path = "\(directory)/events-1.csv"
        try "1,a,1.0\n2,b,2.0\n".write(toFile: path, atomically: true, encoding: .utf8)
        let clock = TestClock()
        let out = TestSink<Int64>()
        let job = Job("follow")
        job.source("people", .csvFile("\(directory)/events-*.csv", as: Person.self, follow: true, pollInterval: .seconds(1)))
            .map(\.id)
            .sink("ids", out.sink)
        let running = Task { try await job.run(on: Runtime(workers: 2), clock: clock) }

        await out.waitForValues(count: 2)
        await clock.sleepers(atLeast: 1)
        try append("3,c,3.0\n4,d,", to: path)        // the second line is not finished yet
        clock.advance(by: .seconds(1))
        await out.waitForValues(count: 3)
        #expect(out.values == [1, 2, 3], "a partial line waits for its line break")

        await clock.sleepers(atLeast: 1)
        try append("4.0\n", to: path)
        try "5,e,5.0\n".write(toFile: "\(directory)/events-2.csv", atomically: true, encoding: .utf8)
        clock.advance(by: .seconds(1))
        await out.waitForValues(count: 5)
        #expect(out.values == [1, 2, 3, 4, 5], "appended lines, then a new matching file")

        running.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
    }

    @Test func heartbeatsFireProcessingTimeWindowsWhileTheFollowedFileIsQuiet() async throws {
        let directory = try scratchDirectory()
        try "1,a,1.0\n2,b,2.0\n".write(toFile: "\(directory)/in.csv", atomically: true, encoding: .utf8)
        let clock = TestClock()
        let out = TestSink<WindowResult<String, Int>>()
        let job = Job("heartbeat")
        job.source("people", .csvFile("\(directory)/in.csv", as: Person.self, follow: true, pollInterval: .seconds(1)))
            .processingTime()
            .keyed(by: { _ in "all" })
            .window("per-second", .tumbling(.seconds(1)))
            .aggregate(.count())
            .results.sink("counts", out.sink)
        let running = Task { try await job.run(on: Runtime(workers: 2), clock: clock) }
        await clock.sleepers(atLeast: 1)    // read both lines at time 0, now polling
        #expect(out.values.isEmpty)
        clock.advance(by: .seconds(1))      // no new data: the heartbeat moves processing time to 1 s
        await out.waitForValues(count: 1)
        #expect(out.values == [WindowResult(window: Window(start: 0, end: 1_000), key: "all", value: 2)])
        running.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
    }

    @Test func aPatternMatchingNothingIsAnErrorUnlessFollowedThenTheSourceSaysItWaits() async throws {
        let directory = try scratchDirectory()
        let bounded = Job("nothing")
        bounded.source("people", .csvFile("\(directory)/none-*.csv", as: Person.self)).map(\.id).sink("ids", TestSink<Int64>().sink)
        await #expect(throws: StreamError.self) { try await bounded.run(on: Runtime(workers: 1)) }

        let clock = TestClock()
        let progress = RunProgress()
        let out = TestSink<Int64>()
        let followed = Job("waiting")
        followed.source("people", .csvFile("\(directory)/later-*.csv", as: Person.self, follow: true, pollInterval: .seconds(1)))
            .map(\.id).sink("ids", out.sink)
        let running = Task { try await followed.run(on: Runtime(workers: 1), clock: clock, options: RunOptions(progress: progress)) }
        await clock.sleepers(atLeast: 1)
        #expect(progress.waitingFor == ["people": "files at \(directory)/later-*.csv"])
        try "7,g,7.0\n".write(toFile: "\(directory)/later-1.csv", atomically: true, encoding: .utf8)
        clock.advance(by: .seconds(1))
        await out.waitForValues(count: 1)
        #expect(progress.waitingFor.isEmpty)
        running.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
    }
}
