import Foundation
import Stream
import StreamBenchmarks
import Testing

/// The runtime's remote tasks in real worker processes (`stream-job worker`, which registers
/// `RemoteProbes` at start): results, dependencies, errors, and workers that die.
@Suite(.serialized) struct RemoteTaskTests {
    static func runtime(processes: Int = 2, timeout: Duration = .seconds(60), memoryLimit: Int? = 4 << 30) throws -> Runtime {
        RemoteProbes.register()
        let launch = WorkerLaunch(executable: StreamJobBinary.url.path, arguments: ["worker"])
        return try Runtime(workers: 2, processes: WorkerPool.Options(count: processes, launch: launch, taskTimeout: timeout,
                                                                     memoryLimit: memoryLimit))
    }

    @Test func tasksRunInTheWorkerProcessesAndTheirResultsComeBack() async throws {
        let runtime = try Self.runtime()
        defer { runtime.shutdown() }
        let squares = runtime.submitRemoteBatch(RemoteProbes.square, Array(0..<1000))
        for (index, square) in squares.enumerated() { #expect(try await square.value == index * index) }
        let workers = Set(try await runtime.submitRemoteBatch(RemoteProbes.processID, Array(0..<200)).asyncMap { try await $0.value })
        #expect(!workers.contains(Int(getpid())))
        #expect(workers.isSubset(of: Set(runtime.processes!.workerProcessIDs.map(Int.init))))
        #expect(runtime.processes!.stats.tasksRun == 1200)
    }

    @Test func remoteTasksTakeInputsFromOtherTasksAndFeedThem() async throws {
        let runtime = try Self.runtime()
        defer { runtime.shutdown() }
        let local = runtime.submit { 7 }
        let squared = runtime.submitRemote(RemoteProbes.square, after: local)
        let parts = (1...10).map { runtime.submitRemote(RemoteProbes.square, $0) }
        let gathered = runtime.submit(afterAll: parts) { $0 }
        let total = runtime.submitRemote(RemoteProbes.sum, after: gathered)
        let both = runtime.submit(after: squared, total) { $0 + $1 }
        #expect(try await both.value == 49 + 385)
        // A failed input fails the remote task without running it.
        let failing = runtime.submit { () throws -> Int in throw CancellationError() }
        let dependent = runtime.submitRemote(RemoteProbes.square, after: failing)
        await #expect(throws: (any Error).self) { try await dependent.value }
        #expect(runtime.processes!.stats.tasksRun == 12)
    }

    @Test func anErrorTheFunctionThrowsComesBackAndIsRetriedAsAsked() async throws {
        let runtime = try Self.runtime()
        defer { runtime.shutdown() }
        do {
            _ = try await runtime.submitRemote(RemoteProbes.failIfNegative, -4, options: RemoteTaskOptions(maxRetries: 2)).value
            Issue.record("the task should have failed")
        } catch let RemoteTaskError.failed(function, message) {
            #expect(function == "probe.fail-if-negative")
            #expect(message == "negative input -4")
        }
        // Three tries: one run and two retries.
        #expect(runtime.processes!.stats.tasksRun == 1)
        #expect(try await runtime.submitRemote(RemoteProbes.failIfNegative, 4).value == 4)
        await #expect(throws: RemoteTaskError.self) {
            try await runtime.submitRemote(RemoteFunction("probe.not-registered-anywhere") { (x: Int) in x }, 1).value
        }
    }

    @Test func aTaskThatTrapsFailsNamingTheSignalAndTheOthersAreNotHurt() async throws {
        let runtime = try Self.runtime()
        defer { runtime.shutdown() }
        let tasks = runtime.submitRemoteBatch(RemoteProbes.trapOn13, Array(0..<40), options: RemoteTaskOptions(retriesOnWorkerDeath: 1))
        for (index, task) in tasks.enumerated() where index != 13 { #expect(try await task.value == index) }
        do {
            _ = try await tasks[13].value
            Issue.record("input 13 should have killed its workers")
        } catch RemoteTaskError.workerDied(_, let death) {
            guard case .signal(let number, let words) = death else { Issue.record("\(death)"); return }
            #expect([SIGILL, SIGTRAP].contains(number), "\(death)")
            #expect(words.contains("probe trap on input 13"), "\(death)")
        }
        // Twice alone (a run and its retry); once more if others were queued behind it at first.
        // The last replacement may still be starting: polled, a process start is on no clock of ours.
        for _ in 0..<5000 where runtime.processes!.stats.workerRestarts < runtime.processes!.stats.workerDeaths {
            try await Task.sleep(for: .milliseconds(1))
        }
        let stats = runtime.processes!.stats
        #expect((2...3).contains(stats.workerDeaths))
        #expect(stats.workerRestarts == stats.workerDeaths)
        #expect(try await runtime.submitRemote(RemoteProbes.echo, 5).value == 5)
    }

    @Test func aTaskPastItsTimeLimitHasItsWorkerKilled() async throws {
        let runtime = try Self.runtime(timeout: .milliseconds(300))
        defer { runtime.shutdown() }
        let tasks = runtime.submitRemoteBatch(RemoteProbes.loopOn13, [12, 13, 14], options: RemoteTaskOptions(retriesOnWorkerDeath: 0))
        #expect(try await tasks[0].value == 12)
        #expect(try await tasks[2].value == 14)
        do {
            _ = try await tasks[1].value
            Issue.record("input 13 should have run out of time")
        } catch RemoteTaskError.workerDied(_, let death) {
            #expect(death == .timedOut(limit: .milliseconds(300)))
        }
    }

    @Test func aTaskPastItsMemoryLimitHasItsWorkerEnd() async throws {
        let runtime = try Self.runtime(memoryLimit: 512 << 20)
        defer { runtime.shutdown() }
        do {
            _ = try await runtime.submitRemote(RemoteProbes.allocateOn13, 13, options: RemoteTaskOptions(retriesOnWorkerDeath: 0)).value
            Issue.record("input 13 should have run out of memory")
        } catch RemoteTaskError.workerDied(_, let death) {
            guard case .outOfMemory(let limit, let words) = death else { Issue.record("\(death)"); return }
            #expect(limit == 512 << 20)
            #expect(words.contains("failed to allocate"), "\(words)")
        }
        #expect(try await runtime.submitRemote(RemoteProbes.allocateOn13, 12).value == 12)
    }

    @Test func aWorkerKilledFromOutsideMidTaskCostsNothing() async throws {
        let runtime = try Self.runtime()
        defer { runtime.shutdown() }
        let directory = NSTemporaryDirectory() + "remote-kill-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before = Set(runtime.processes!.workerProcessIDs)
        let marker = "\(directory)/running"
        let victim = runtime.submitRemote(RemoteProbes.markThenSleep, marker, options: RemoteTaskOptions(retriesOnWorkerDeath: 1))
        let others = runtime.submitRemoteBatch(RemoteProbes.square, Array(0..<500))
        // Polled: the worker's progress is another process's, on no clock of ours.
        while !FileManager.default.fileExists(atPath: marker) { try await Task.sleep(for: .milliseconds(1)) }
        // Kill whichever worker runs it: both, to be sure it is one of them.
        for pid in before { kill(pid, SIGKILL) }
        #expect(try await victim.value == marker)
        for (index, square) in others.enumerated() { #expect(try await square.value == index * index) }
        for _ in 0..<5000 where runtime.processes!.stats.workerRestarts < 2 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(Set(runtime.processes!.workerProcessIDs).isDisjoint(with: before))
        #expect(runtime.processes!.stats.workerRestarts == 2)
    }
}

/// Actors in worker processes: calls in order, rebuilt from their last snapshot when their
/// worker dies, a call that kills the worker every time failing alone.
@Suite(.serialized) struct RemoteActorTests {
    @Test func callsRunInOrderAndAKilledWorkerResumesFromTheLastSnapshot() async throws {
        let runtime = try RemoteTaskTests.runtime(processes: 1)
        defer { runtime.shutdown() }
        let tally = try runtime.remoteActor(RemoteProbes.tally)
        let totals = (1...1000).map { tally.call(RemoteProbes.add, $0) }
        for (index, total) in totals.enumerated() { #expect(try await total.value == (index + 1) * (index + 2) / 2) }
        try await tally.snapshot().value
        let pid = try #require(tally.workerProcessID)
        kill(pid, SIGKILL)
        // Rebuilt from the snapshot (500500) on a new worker; the call is sent again if it was lost.
        #expect(try await tally.call(RemoteProbes.add, 1).value == 500_501)
        #expect(tally.workerProcessID != pid)
        #expect(tally.stats.workerRestarts == 1)
    }

    @Test func aCallThatKillsTheWorkerEveryTimeFailsAndTheActorGoesOn() async throws {
        let runtime = try RemoteTaskTests.runtime(processes: 1)
        defer { runtime.shutdown() }
        let tally = try runtime.remoteActor(RemoteProbes.tally)
        #expect(try await tally.call(RemoteProbes.add, 5).value == 5)
        try await tally.snapshot().value
        let poison = tally.call(RemoteProbes.addOrTrapOn13, 13, options: RemoteTaskOptions(retriesOnWorkerDeath: 1))
        let after = tally.call(RemoteProbes.addOrTrapOn13, 2)
        do {
            _ = try await poison.value
            Issue.record("13 should have killed the actor's worker")
        } catch RemoteTaskError.workerDied(_, let death) {
            #expect(death.description.contains("probe actor trap on 13"), "\(death)")
        }
        // The call after it runs on the actor rebuilt from its snapshot.
        #expect(try await after.value == 7)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
