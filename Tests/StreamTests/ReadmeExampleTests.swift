import Testing
import Stream

/// The README's runtime example, kept compiling and checked here.
@Suite struct ReadmeExampleTests {
    struct Counter: RuntimeActor {
        var total = 0
        init(restoring snapshot: Int?) { total = snapshot ?? 0 }
        func snapshot() -> Int { total }
    }

    @Test func readmeRuntimeExampleGivesTheResultsItShows() async throws {
        let runtime = Runtime()
        let data = runtime.put((1...1_000_000).map(Double.init))
        let parts = Chunking.ranges(count: 1_000_000, workers: runtime.workerCount).map { range in
            runtime.submit(after: data) { values in values[range].reduce(0, +) }
        }
        let total = runtime.submit(afterAll: parts) { $0.reduce(0, +) }
        #expect(try await total.value == 500000500000.0)

        let counter = try runtime.actor(Counter.self)
        counter.call { $0.total += 5 }
        #expect(try await counter.call { $0.total }.value == 5)
    }
}
