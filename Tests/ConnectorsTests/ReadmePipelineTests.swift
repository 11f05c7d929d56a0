import Connectors
import Foundation
import Operators
import StreamTesting
import Testing

// The README's pipeline example, kept compiling and checked here (paths made temporary).

struct Click: CSVDecodable {
    var time: Int64
    var user: String
    var page: String

    init(csv row: CSVRow) throws {
        time = try row.int64(0)
        user = try row.string(1)
        page = try row.string(2)
    }
}

struct UserCount: CSVEncodable {
    var minute: Int64
    var user: String
    var clicks: Int

    func encode(csv line: inout CSVLine) {
        line.append(minute)
        line.append(user)
        line.append(clicks)
    }
}

extension Click: CSVEncodable {
    func encode(csv line: inout CSVLine) {
        line.append(time)
        line.append(user)
        line.append(page)
    }
}

@Suite struct ReadmePipelineTests {
    @Test func readmePipelineCountsClicksPerUserPerMinute() async throws {
        let directory = try scratchDirectory()
        let input = """
            1000,ada,/home
            2000,bob,/home
            61000,ada,/docs
            oops,ada,/bad
            59000,ada,/late-but-allowed
            130000,bob,/docs
            30000,bob,/too-late
            """
        try input.write(toFile: "\(directory)/clicks.csv", atomically: true, encoding: .utf8)

        let job = Job("clicks-per-user")
        let perMinute = job
            .source("clicks", .csvFile("\(directory)/clicks.csv", as: Click.self,
                                       onBadRecord: .deadLetter(path: "\(directory)/out/bad-clicks.jsonl")))
            .eventTime(\.time, watermark: .boundedOutOfOrderness(.seconds(5)))
            .keyed(by: \.user)
            .window("per-minute", .tumbling(.seconds(60)), allowedLateness: .seconds(10))
            .aggregate(.count())
        perMinute.results
            .map { UserCount(minute: $0.window.start, user: $0.key, clicks: $0.value) }
            .sink("counts", .csvFile("\(directory)/out/clicks-per-minute.csv"))
        perMinute.late.sink("late", .csvFile("\(directory)/out/late-clicks.csv"))
        let summary = try await job.run()

        let counts = try String(contentsOfFile: "\(directory)/out/clicks-per-minute.csv", encoding: .utf8)
        // ada's click at 59 s comes while the watermark is 56 s (61 s − 5 s): on time. The click
        // at 130 s moves the watermark to 125 s, firing [0, 60 s) and [60 s, 120 s); bob's click
        // at 30 s then comes past that window's allowed lateness (60 s − 1 ms + 10 s): late.
        #expect(counts.split(separator: "\n").sorted() == ["0,ada,2", "0,bob,1", "120000,bob,1", "60000,ada,1"])
        let late = try String(contentsOfFile: "\(directory)/out/late-clicks.csv", encoding: .utf8)
        #expect(late == "30000,bob,/too-late\n")
        #expect(summary.deadLetters == 1)
        #expect(try String(contentsOfFile: "\(directory)/out/bad-clicks.jsonl", encoding: .utf8).contains("\"line\":4"))
    }
}
