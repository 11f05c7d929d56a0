public import Stream

/// A complete small program on the runtime, run by `stream-job sample <name>`.
///
/// Every sample checks its result against a plain sequential computation of the same thing
/// and reports the checks; `stream-job` exits with an error if any fails.
public struct Sample: Sendable {
    public let name: String
    public let summary: String
    /// Runs the sample on `runtime`, printing progress with `print`, and returns its checks.
    public let run: @Sendable (_ runtime: Runtime, _ options: SampleOptions, _ print: @escaping @Sendable (String) -> Void) async throws -> [SampleCheck]

    /// Every sample, in the order `stream-job sample --list` shows them.
    public static let all: [Sample] = [
        Sample(name: "chunked", summary: "statistics of a 4M-value data set: chunk tasks over one shared object, merged by a task") {
            try await ChunkedStatistics.run(runtime: $0, print: $2)
        },
        Sample(name: "training", summary: "linear regression: a model fitted per batch as tasks, merged by a task that depends on them all") {
            try await BatchTraining.run(runtime: $0, print: $2)
        },
        Sample(name: "realtime", summary: "a generated sensor stream cut into 1 s event-time windows, each fired as a batch of tasks") {
            try await RealtimeWindows.run(runtime: $0, paced: $1.paced, print: $2)
        },
    ]

    public static func named(_ name: String) -> Sample? {
        all.first { $0.name == name }
    }
}

/// Settings a sample may honour.
public struct SampleOptions: Sendable {
    /// Run streams at the pace of their event time (one event-time second per second).
    public var paced: Bool

    public init(paced: Bool = false) { self.paced = paced }
}

/// One comparison of a sample's result with the reference computation.
public struct SampleCheck: Sendable, CustomStringConvertible {
    public let name: String
    public let passed: Bool
    public let detail: String

    public init(_ name: String, passed: Bool, detail: String = "") {
        self.name = name
        self.passed = passed
        self.detail = detail
    }

    public var description: String {
        "check \(passed ? "ok    " : "FAILED") \(name)\(detail.isEmpty ? "" : ": \(detail)")"
    }
}
