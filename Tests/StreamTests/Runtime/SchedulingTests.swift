import StreamTesting
import Synchronization
import Testing
@testable import Stream

@Suite struct SchedulingTests {
    @Test func readyTasksRunInPriorityOrderThenSubmissionOrder() async throws {
        let runtime = Runtime(workers: 1)
        let (gate, blocker) = await occupyWorker(runtime)
        let order = Mutex<[String]>([])
        let plan: [(String, Int64)] = [("e", 5), ("c1", 3), ("n", 9), ("a", 1), ("c2", 3)]
        let refs = plan.map { name, priority in
            runtime.submit(TaskOptions(priority: priority)) { order.withLock { $0.append(name) } }
        }
        gate.open()
        _ = try await blocker.value
        _ = try await runtime.get(refs)
        #expect(order.withLock { $0 } == ["a", "c1", "c2", "e", "n"])
    }

    @Test(.timeLimit(.minutes(1))) func tasksWithExtremePrioritiesRunFromAnyThread() async throws {
        // Int64.max once matched the scheduler's "injector empty" marker: such a task never ran.
        let runtime = Runtime(workers: 2)
        let highest = runtime.submit(TaskOptions(priority: .max)) { 1 }
        let lowest = runtime.submit(TaskOptions(priority: .min)) { 2 }
        let dependent = runtime.submit(after: highest, options: TaskOptions(priority: .max)) { $0 + 10 }
        #expect(try await highest.value + lowest.value + dependent.value == 14)
    }

    @Test func cancellingAPendingTaskCancelsItsDependents() async throws {
        let runtime = Runtime(workers: 1)
        let (gate, blocker) = await occupyWorker(runtime)
        let ran = Atomic<Int>(0)
        let pending = runtime.submit { ran.wrappingAdd(1, ordering: .relaxed); return 1 }
        let dependent = runtime.submit(after: pending) { value -> Int in
            ran.wrappingAdd(1, ordering: .relaxed)
            return value + 1
        }
        #expect(pending.cancel())
        #expect(!pending.cancel(), "cancelling twice reports it was already done")
        gate.open()
        _ = try await blocker.value
        #expect(!blocker.cancel(), "a finished task cannot be cancelled")
        await #expect(throws: CancellationError.self) { try await pending.value }
        await #expect(throws: CancellationError.self) { try await dependent.value }
        #expect(ran.load(ordering: .relaxed) == 0)
        #expect(runtime.stats.tasksCancelled == 1)
    }

    @Test func runningTaskCannotBeCancelled() async throws {
        let runtime = Runtime(workers: 1)
        let (gate, blocker) = await occupyWorker(runtime)
        #expect(!blocker.cancel())
        gate.open()
        _ = try await blocker.value
    }

    @Test func waitReturnsWhenEnoughAreReady() async throws {
        let runtime = Runtime(workers: 2)
        let refs = (0..<10).map { i in runtime.submit { i } }
        let (ready, pending) = await runtime.wait(refs, count: 10)
        #expect(ready == refs)
        #expect(pending.isEmpty)
    }

    @Test func waitGivesUpAtTheTimeoutOnTheInjectedClock() async throws {
        let runtime = Runtime(workers: 1)
        let clock = TestClock()
        let done = runtime.put(1)
        let (gate, blocked) = await occupyWorker(runtime)
        let blockedInt = runtime.submit(after: blocked) { _ in 2 }
        async let outcome = runtime.wait([done, blockedInt], count: 2, timeout: .seconds(5), clock: clock)
        await clock.sleepers(atLeast: 1)
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1, "not yet at the deadline")
        clock.advance(by: .seconds(1))
        let (ready, pending) = await outcome
        #expect(ready == [done])
        #expect(pending == [blockedInt])
        gate.open()
        #expect(try await blockedInt.value == 2)
    }
}



@Suite struct TestClockTests {
    @Test func sleepingInACancelledTaskThrowsInsteadOfReturning() async {
        let clock = TestClock()
        let sleeper = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(1))
        }
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    @Test func cancellingASleeperWakesItWithAnError() async {
        let clock = TestClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(1)) }
        await clock.sleepers(atLeast: 1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }
}
