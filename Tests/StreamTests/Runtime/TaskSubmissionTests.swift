import Synchronization
import Testing
@testable import Stream

@Suite struct TaskSubmissionTests {
    @Test func submittedTaskReturnsItsValue() async throws {
        let runtime = Runtime(workers: 2)
        #expect(try await runtime.submit { 6 * 7 }.value == 42)
    }

    @Test func dependentTaskGetsItsInputsValues() async throws {
        let runtime = Runtime(workers: 2)
        let a = runtime.submit { 20 }
        let b = runtime.submit { "x" }
        let c = runtime.submit(after: a, b) { number, text in "\(text)\(number + 22)" }
        #expect(try await c.value == "x42")
    }

    @Test func fanInReceivesValuesInInputOrder() async throws {
        let runtime = Runtime(workers: 4)
        let parts = (0..<200).map { i in runtime.submit { i } }
        let all = runtime.submit(afterAll: parts) { $0 }
        #expect(try await all.value == Array(0..<200))
    }

    @Test func batchRunsEveryIndexOnce() async throws {
        let runtime = Runtime(workers: 4)
        let refs = runtime.submitBatch(count: 10_000) { $0 * 2 }
        let values = try await runtime.get(refs)
        #expect(values == (0..<10_000).map { $0 * 2 })
        #expect(runtime.stats.tasksRun == 10_000)
    }

    @Test func tasksSubmittedFromTasksRun() async throws {
        let runtime = Runtime(workers: 4)
        let outer = runtime.submit { () -> [TaskRef<Int>] in
            (0..<1_000).map { i in runtime.submit { i } }
        }
        let inner = try await outer.value
        let sum = try await runtime.get(inner).reduce(0, +)
        #expect(sum == (0..<1_000).reduce(0, +))
    }

    @Test func failureReachesDependentsWithoutRunningThem() async throws {
        struct Boom: Error, Equatable {}
        let runtime = Runtime(workers: 2)
        let ran = Atomic<Bool>(false)
        let failing = runtime.submit { () throws -> Int in throw Boom() }
        let dependent = runtime.submit(after: failing) { value -> Int in
            ran.store(true, ordering: .relaxed)
            return value
        }
        await #expect(throws: Boom.self) { try await dependent.value }
        #expect(ran.load(ordering: .relaxed) == false)
        #expect(runtime.stats.tasksFailed == 1)
    }

    @Test func taskIsRetriedTheDeclaredNumberOfTimes() async throws {
        struct Flaky: Error {}
        let runtime = Runtime(workers: 2)
        let attempts = Atomic<Int>(0)
        let succeeds = runtime.submit(TaskOptions(maxRetries: 3)) { () throws -> Int in
            let attempt = attempts.wrappingAdd(1, ordering: .relaxed).newValue
            if attempt < 3 { throw Flaky() }
            return attempt
        }
        #expect(try await succeeds.value == 3)
        #expect(runtime.stats.tasksRetried == 2)

        let tries = Atomic<Int>(0)
        let exhausts = runtime.submit(TaskOptions(maxRetries: 2)) { () throws -> Int in
            tries.wrappingAdd(1, ordering: .relaxed)
            throw Flaky()
        }
        await #expect(throws: Flaky.self) { try await exhausts.value }
        #expect(tries.load(ordering: .relaxed) == 3)
        #expect(runtime.stats.tasksRetried == 4)
        #expect(runtime.stats.tasksFailed == 1)
    }

    @Test func submittingAfterShutdownFails() async throws {
        let runtime = Runtime(workers: 2)
        let before = runtime.submitBatch(count: 100) { $0 }
        runtime.shutdown()
        #expect(try await runtime.get(before).count == 100)
        let after = runtime.submit { 1 }
        await #expect(throws: RuntimeError.shutDown) { try await after.value }
    }
}
