import Connectors
import Operators
import StreamTesting
import Testing

// The README's stateful-function example and its harness test, kept compiling and checked here.

/// Per user: one line once the user has been quiet for 30 s of event time after a click.
struct SessionEnd: KeyedProcessFunction {
    var last: KeyedState<String, Int64>   // each user's last click time
    init(restoring state: KeyedState<String, Int64>) { last = state }
    func snapshot() -> KeyedState<String, Int64> { last }

    mutating func process(_ click: KeyedRecord<String, Click>, _ output: inout ProcessOutput<String, String>) {
        last[click.key] = click.timestamp
        output.setTimer(.eventTime, for: click.key, at: click.timestamp + 30_000)
    }

    mutating func onTimer(_ timer: KeyedTimer<String>, _ output: inout ProcessOutput<String, String>) {
        guard let time = last[timer.key], time + 30_000 == timer.time else { return }   // a later click set a later timer
        output.emit("\(timer.key) quiet since \(time)")
        last[timer.key] = nil
    }
}

extension Click {
    init(time: Int64, user: String, page: String) {
        self.time = time
        self.user = user
        self.page = page
    }
}

@Suite struct ReadmeProcessTests {
    @Test func sessionEndFiresOnceAUserIsQuiet() async throws {
        let directory = try scratchDirectory()
        try "1000,ada,/home\n20000,ada,/docs\n25000,bob,/home\n90000,cy,/home\n".write(toFile: "\(directory)/clicks.csv", atomically: true, encoding: .utf8)
        let job = Job("session-ends")
        job.source("clicks", .csvFile("\(directory)/clicks.csv", as: Click.self))
            .eventTime(\.time, watermark: .boundedOutOfOrderness(.seconds(5)))
            .keyed(by: \.user)
            .process("session-end") { SessionEnd(restoring: $0) }
            .sink("ends", .textFile("\(directory)/out/session-ends.txt"))
        try await job.run()
        // The watermark reaches 85 s at cy's click: ada's (50 s) and bob's (55 s) timers fire;
        // the end of the input fires cy's.
        let lines = try String(contentsOfFile: "\(directory)/out/session-ends.txt", encoding: .utf8)
        #expect(lines == "ada quiet since 20000\nbob quiet since 25000\ncy quiet since 90000\n")
    }

    @Test func sessionEndInTheHarness() {
        let click = Click(time: 1_000, user: "ada", page: "/home")
        var harness = ProcessHarness { SessionEnd(restoring: $0) }
        harness.push(click, key: "ada", at: 1_000)
        #expect(harness.timers.map(\.time) == [31_000])
        harness.advanceWatermark(to: 31_000)
        #expect(harness.takeOutput() == ["ada quiet since 1000"])
        #expect(harness.snapshot().state.count == 0)
    }
}
