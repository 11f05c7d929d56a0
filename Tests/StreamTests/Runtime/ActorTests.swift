import Synchronization
import Testing
@testable import Stream

/// Records calls and checks that no two ever overlap.
struct Recorder: RuntimeActor {
    final class Overlap: Sendable {
        let inside = Atomic<Int>(0)
        let violations = Atomic<Int>(0)
    }

    var calls: [Int: [Int]] = [:]

    init(restoring snapshot: [Int: [Int]]?) { calls = snapshot ?? [:] }
    func snapshot() -> [Int: [Int]] { calls }

    mutating func record(submitter: Int, sequence: Int, overlap: Overlap) {
        if overlap.inside.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue != 1 {
            overlap.violations.wrappingAdd(1, ordering: .relaxed)
        }
        calls[submitter, default: []].append(sequence)
        overlap.inside.wrappingSubtract(1, ordering: .sequentiallyConsistent)
    }
}

/// A counter whose `Corrupt` error is fatal.
struct Account: RuntimeActor {
    struct Corrupt: Error {}
    struct Declined: Error {}
    var balance: Int

    init(restoring snapshot: Int?) { balance = snapshot ?? 0 }
    func snapshot() -> Int { balance }
    static func isFatal(_ error: any Error) -> Bool { error is Corrupt }
}

@Suite(.timeLimit(.minutes(1))) struct ActorTests {
    @Test func callsAreSerialAndInSubmissionOrder() async throws {
        let runtime = Runtime(workers: 4)
        let overlap = Recorder.Overlap()
        let recorder = try runtime.actor(Recorder.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for submitter in 0..<8 {
                group.addTask {
                    var last: TaskRef<Void>?
                    for sequence in 0..<2_000 {
                        last = recorder.call { $0.record(submitter: submitter, sequence: sequence, overlap: overlap) }
                    }
                    try await last?.value
                }
            }
            try await group.waitForAll()
        }
        let calls = try await recorder.call { $0.calls }.value
        #expect(overlap.violations.load(ordering: .relaxed) == 0)
        for submitter in 0..<8 { #expect(calls[submitter] == Array(0..<2_000)) }
        #expect(runtime.stats.actorCalls == 8 * 2_000 + 1)
    }

    @Test func callsWaitingInMailboxesAreCounted() async throws {
        let runtime = Runtime(workers: 2)
        let recorder = try runtime.actor(Recorder.self)
        let gate = BlockingGate()
        let overlap = Recorder.Overlap()
        let started = Signal()
        recorder.call { _ in
            started.fire()
            gate.block()
        }
        await started.wait()
        var last: TaskRef<Void>?
        for sequence in 0..<10 { last = recorder.call { $0.record(submitter: 0, sequence: sequence, overlap: overlap) } }
        #expect(runtime.stats.actorCallsWaiting == 10)
        gate.open()
        try await last?.value
        #expect(runtime.stats.actorCallsWaiting == 0)
    }

    @Test func fatalErrorRestoresTheLastSnapshot() async throws {
        let runtime = Runtime(workers: 2)
        let account = try runtime.actor(Account.self, restoring: 100)
        account.call { $0.balance += 10 }
        #expect(try await account.snapshot().value == 110)
        account.call { $0.balance += 5 }
        let corrupting = account.call { state -> Void in
            state.balance = -999_999
            throw Account.Corrupt()
        }
        await #expect(throws: Account.Corrupt.self) { try await corrupting.value }
        #expect(try await account.call { $0.balance }.value == 110, "back to the snapshot")
        #expect(account.restarts == 1)
        #expect(runtime.stats.actorRestarts == 1)
    }

    @Test func nonFatalErrorKeepsTheState() async throws {
        let runtime = Runtime(workers: 2)
        let account = try runtime.actor(Account.self)
        account.call { $0.balance += 7 }
        let declined = account.call { _ -> Void in throw Account.Declined() }
        await #expect(throws: Account.Declined.self) { try await declined.value }
        #expect(try await account.call { $0.balance }.value == 7)
        #expect(account.restarts == 0)
    }

    @Test func actorWithoutSnapshotRestartsFresh() async throws {
        let runtime = Runtime(workers: 1)
        let account = try runtime.actor(Account.self)
        account.call { $0.balance = 50 }
        let corrupting = account.call { _ -> Void in throw Account.Corrupt() }
        await #expect(throws: Account.Corrupt.self) { try await corrupting.value }
        #expect(try await account.call { $0.balance }.value == 0)
    }
}
