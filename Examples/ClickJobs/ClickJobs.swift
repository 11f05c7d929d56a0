import Connectors
import Operators
import StreamJobKit

/// One click: `time_ms,user,page`.
struct Click: CSVDecodable, CSVEncodable {
    var time: Int64, user: String, page: String
    init(csv row: CSVRow) throws { time = try row.int64(0); user = try row.string(1); page = try row.string(2) }
    func encode(csv line: inout CSVLine) { line.append(time); line.append(user); line.append(page) }
}

/// One user's clicks in one minute: `minute_start_ms,user,clicks`.
struct UserCount: CSVEncodable {
    var minute: Int64, user: String, clicks: Int
    func encode(csv line: inout CSVLine) { line.append(minute); line.append(user); line.append(clicks) }
}

/// Clicks per user per minute, from CSV files (a file, a directory or a glob).
let clicksPerMinute = Pipeline("clicks-per-minute", "Clicks per user per minute, from CSV files", settings: [
    .string("input", default: "Examples/data/clicks.csv", help: "a file, directory or glob of time_ms,user,page lines"),
    .string("output", default: "out/clicks-per-minute.csv", help: "the counts; late clicks go to <output>.late"),
]) { settings in
    let job = Job("clicks-per-minute")
    let perMinute = job
        .source("clicks", .csvFile(settings.string("input", default: "Examples/data/clicks.csv"), as: Click.self))
        .eventTime(\.time, watermark: .boundedOutOfOrderness(.seconds(5)))
        .keyed(by: \.user)
        .window("per-minute", .tumbling(.seconds(60)))
        .aggregate(.count())
    let output = settings.string("output", default: "out/clicks-per-minute.csv")
    perMinute.results
        .map { UserCount(minute: $0.window.start, user: $0.key, clicks: $0.value) }
        .sink("counts", .csvFile(output))
    perMinute.late.sink("late", .csvFile(output + ".late"))
    return job
}

/// Each user's first click on each page (a repeat within an hour is dropped).
let firstVisits = Pipeline("first-visits", "Each user's first click on a page within an hour", settings: [
    .string("input", default: "Examples/data/clicks.csv", help: "a file, directory or glob of time_ms,user,page lines"),
]) { settings in
    let job = Job("first-visits")
    job.source("clicks", .csvFile(settings.string("input", default: "Examples/data/clicks.csv"), as: Click.self))
        .eventTime(\.time, watermark: .boundedOutOfOrderness(.seconds(5)))
        .keyed(by: { "\($0.user)/\($0.page)" })
        .dedupe("first-visit", within: .seconds(3600))
        .map { "\($0.time),\($0.user),\($0.page)" }
        .sink("visits", .stdout())
    return job
}

@main
struct ClickJobs {
    static func main() async {
        await StreamJob.main(pipelines: [clicksPerMinute, firstVisits])
    }
}
