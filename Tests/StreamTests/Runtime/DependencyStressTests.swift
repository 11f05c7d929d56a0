import Synchronization
import Testing
@testable import Stream

/// Many submitters build random task graphs at once; every task checks that its inputs
/// finished before it started, using one global sequence of events.
@Suite(.timeLimit(.minutes(2))) struct DependencyStressTests {
    struct Node: Sendable {
        let value: Int
        let finishedAt: Int
    }

    /// One global order of events across all workers.
    final class EventSequence: Sendable {
        let tick = Atomic<Int>(0)
        let violations = Atomic<Int>(0)
        func next() -> Int { tick.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue }
    }

    @Test(arguments: [1, 4])
    func inputsAlwaysFinishBeforeDependentsStart(workers: Int) async throws {
        let runtime = Runtime(workers: workers)
        let events = EventSequence()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for submitter in 0..<8 {
                group.addTask {
                    var generator = SeededRandom(seed: UInt64(submitter))
                    var refs: [TaskRef<Node>] = []
                    var expected: [Int] = []
                    for id in 0..<1_500 {
                        let inputCount = refs.isEmpty ? 0 : Int(generator.next() % 4)
                        let inputIndices = (0..<inputCount).map { _ in Int(generator.next() % UInt64(refs.count)) }
                        let inputs = inputIndices.map { refs[$0] }
                        let ref = runtime.submit(afterAll: inputs) { values -> Node in
                            let startedAt = events.next()
                            if values.contains(where: { $0.finishedAt >= startedAt }) {
                                events.violations.wrappingAdd(1, ordering: .relaxed)
                            }
                            let value = values.reduce(id) { $0 &+ $1.value }
                            return Node(value: value, finishedAt: events.next())
                        }
                        refs.append(ref)
                        expected.append(inputIndices.reduce(id) { $0 &+ expected[$1] })
                    }
                    let values = try await runtime.get(refs).map(\.value)
                    #expect(values == expected)
                }
            }
            try await group.waitForAll()
        }
        #expect(events.violations.load(ordering: .relaxed) == 0)
        #expect(runtime.stats.tasksRun == 8 * 1_500)
    }

    @Test func longChainRunsInOrder() async throws {
        let runtime = Runtime(workers: 4)
        var ref = runtime.submit { 0 }
        for _ in 0..<20_000 { ref = runtime.submit(after: ref) { $0 + 1 } }
        #expect(try await ref.value == 20_000)
    }
}
