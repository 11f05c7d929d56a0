import Synchronization

/// Wakes the job's driver when something it waits for happened: a source read a batch, a stop
/// was requested. A generation count makes a wake-up between looking and waiting never lost.
///
/// ```swift
/// let seen = signal.generation
/// if nothingToDo { await signal.wait(after: seen) }   // returns at once if notified since `seen`
/// ```
final class DriverSignal: Sendable {
    private struct State {
        var generation = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    var generation: Int { state.withLock { $0.generation } }

    func notify() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.generation &+= 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits until notified after generation `seen` (or the task is cancelled).
    func wait(after seen: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            notify()
        }
    }
}
