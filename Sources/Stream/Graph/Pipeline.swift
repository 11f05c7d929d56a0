/// A named, described way to build a job from settings: what `stream-job run <name>` runs.
///
/// ```swift
/// let clicks = Pipeline("clicks", "Clicks per user per minute, from CSV files") { settings in
///     let job = Job("clicks")
///     job.source("clicks", .csvFile(settings.string("input", default: "data/clicks.csv"), as: Click.self))
///         .eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.seconds(5)))
///         .keyed(by: \.user).window("per-minute", .tumbling(.seconds(60))).aggregate(.count())
///         .results.sink("counts", .csvFile(settings.string("output", default: "out/counts.csv")))
///     return job
/// }
/// ```
public struct Pipeline: Sendable {
    public let name: String
    /// One line: what the pipeline does.
    public let summary: String
    public let build: @Sendable (PipelineSettings) throws -> Job

    public init(_ name: String, _ summary: String, build: @escaping @Sendable (PipelineSettings) throws -> Job) {
        self.name = name
        self.summary = summary
        self.build = build
    }
}

/// The pipeline's own settings (`--set key=value`, or the job file's `settings:`), read by its
/// builder. A value that does not parse is an error naming the key.
///
/// ```swift
/// let input = settings.string("input", default: "data/events.csv")
/// let delay = try settings.int("delay-ms", default: 2000)
/// ```
public struct PipelineSettings: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    public func string(_ key: String, default fallback: String) -> String {
        values[key] ?? fallback
    }

    public func int(_ key: String, default fallback: Int) throws -> Int {
        guard let text = values[key] else { return fallback }
        guard let value = Int(text) else {
            throw StreamError(.invalidJob, step: key, action: "configure", message: "setting '\(key)' must be an integer, not '\(text)'")
        }
        return value
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = values[key] else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default:
            throw StreamError(.invalidJob, step: key, action: "configure", message: "setting '\(key)' must be true or false, not '\(text)'")
        }
    }
}
