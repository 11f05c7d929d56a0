import Connectors
import Foundation
import Operators
import StreamTesting
import Testing

/// What `.isolated()` refuses when the job is described, and what a run without worker
/// processes does with an isolated step (runs it in the job's process, the same output).
struct IsolationValidationTests {
    struct Opaque: Sendable { let value: Int }

    func problems(of job: Job) -> String {
        do {
            try job.validate()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func aStepOverRecordsThatCannotTravelIsRefusedNamingTheType() {
        let job = Job("opaque")
        job.source("numbers", .records([1, 2, 3])).map { Opaque(value: $0) }.isolated("wrap").map { $0.value }.sink("out", TestSink<Int>().sink)
        let problems = problems(of: job)
        #expect(problems.contains("step 'wrap': cannot be isolated"), "\(problems)")
        #expect(problems.contains("Opaque"), "\(problems)")
    }

    @Test func onlyStatelessStepsCanBeIsolated() {
        let job = Job("merged")
        let numbers = job.source("numbers", .records([1, 2, 3]))
        let more = job.source("more", .records([4, 5]))
        numbers.union(more, id: "both").isolated("merge").sink("out", TestSink<Int>().sink)
        #expect(problems(of: job).contains("only a stateless step"), "\(problems(of: job))")
    }

    @Test func deadLettersSharingAFileWithASinkAreRefused() {
        let path = NSTemporaryDirectory() + "shared-\(UUID().uuidString.prefix(8)).txt"
        let job = Job("sharing")
        job.source("numbers", .records([1, 2, 3])).map { $0 * 2 }.isolated("double", deadLetters: .deadLetterFile(path))
            .map { "\($0)" }.sink("out", .textFile(path))
        #expect(problems(of: job).contains("both write"), "\(problems(of: job))")
    }

    @Test func withoutWorkerProcessesAnIsolatedStepRunsInTheJobsProcess() async throws {
        let job = Job("in-process")
        let out = TestSink<Int>()
        job.source("numbers", .records(Array(0..<5000), batchSize: 100)).map { $0 * 3 }.isolated("triple").filter { $0 % 2 == 0 }
            .sink("out", out.sink)
        try await job.run()
        #expect(out.values == (0..<5000).map { $0 * 3 }.filter { $0 % 2 == 0 })
    }
}
