@testable import Stream
import Dispatch
import Synchronization

/// Blocks a worker thread until the test opens it: holds a worker busy without sleeping.
final class BlockingGate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func block() { semaphore.wait() }
    func open() { semaphore.signal() }
}

/// Lets async test code wait until a worker reached a point.
final class Signal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiters.append(continuation)
                return false
            }
            if fired { continuation.resume() }
        }
    }
}

/// Occupies `runtime`'s only worker until the returned gate is opened.
func occupyWorker(_ runtime: Runtime) async -> (gate: BlockingGate, ref: TaskRef<Void>) {
    let gate = BlockingGate()
    let started = Signal()
    let ref = runtime.submit(TaskOptions(priority: .min)) {
        started.fire()
        gate.block()
    }
    await started.wait()
    return (gate, ref)
}


