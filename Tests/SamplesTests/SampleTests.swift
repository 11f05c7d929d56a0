import Synchronization
import Testing
@testable import Samples
import Stream

/// Collects what a sample prints.
final class Transcript: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite struct SampleTests {
    @Test func chunkedStatisticsMatchTheSequentialComputation() async throws {
        let runtime = Runtime(workers: 4)
        let checks = try await ChunkedStatistics.run(runtime: runtime, count: 300_000, print: { _ in })
        #expect(checks.count == 3)
        for check in checks { #expect(check.passed, "\(check)") }
    }

    @Test func summariesMergeAsIfComputedTogether() {
        let values = (0..<10_001).map { Double(($0 * 7919) % 1000) / 10 }
        let whole = Summary(values[...])
        let merged = Summary(values[..<3_333]).merged(with: Summary(values[3_333...]))
        #expect(merged.count == whole.count)
        #expect(merged.histogram == whole.histogram)
        #expect(abs(merged.variance - whole.variance) < 1e-9 * whole.variance)
        #expect(Summary().merged(with: whole) == whole)
    }

    @Test func trainingGraphEqualsSequentialTrainingAndLearnsTheModel() async throws {
        let runtime = Runtime(workers: 4)
        let checks = try await BatchTraining.run(runtime: runtime, samples: 40_000, learningRate: 0.0005, print: { _ in })
        for check in checks { #expect(check.passed, "\(check)") }
    }

    @Test func trainingReportsAFailedCheckWhenItDidNotConverge() async throws {
        let runtime = Runtime(workers: 2)
        let checks = try await BatchTraining.run(runtime: runtime, samples: 8_000, rounds: 1, print: { _ in })
        #expect(checks.contains { !$0.passed }, "one round at a low rate cannot reach the true weights")
        #expect(checks.first?.passed == true, "the graph still equals the sequential computation")
    }

    @Test func realtimeWindowsMatchAGroupByAndFireInOrder() async throws {
        let runtime = Runtime(workers: 4)
        let transcript = Transcript()
        let checks = try await RealtimeWindows.run(runtime: runtime, seconds: 5, rate: 20_000, print: transcript.append)
        for check in checks { #expect(check.passed, "\(check)") }
        let windows = transcript.all.filter { $0.contains("window [") }
        #expect(windows.count == 6)
        #expect(windows.first?.contains("[-1.0 s, 0.0 s)") == true)
        #expect(windows.last?.contains("[4.0 s, 5.0 s)") == true)
    }

    @Test(arguments: [1, 997, 50_000])
    func realtimeResultsDoNotDependOnBatchSize(batchSize: Int) async throws {
        let runtime = Runtime(workers: 2)
        let baseline = Transcript()
        let other = Transcript()
        _ = try await RealtimeWindows.run(runtime: runtime, seconds: 3, rate: 5_000, batchSize: 10_000, print: baseline.append)
        _ = try await RealtimeWindows.run(runtime: runtime, seconds: 3, rate: 5_000, batchSize: batchSize, print: other.append)
        let windowLines = { (transcript: Transcript) in transcript.all.filter { $0.contains("window [") } }
        #expect(windowLines(other) == windowLines(baseline))
        #expect(!windowLines(baseline).isEmpty)
    }

    @Test func everySampleIsListedWithAUniqueName() {
        let names = Sample.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names == ["chunked", "training", "realtime"])
    }
}
