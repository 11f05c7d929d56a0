import Synchronization

extension Runtime {
    /// The values of `refs`, in order, once all are ready; throws the first error met.
    ///
    /// ```swift
    /// let values = try await runtime.get(refs)
    /// ```
    @inlinable
    public func get<Value: Sendable>(_ refs: [TaskRef<Value>]) async throws -> [Value] {
        var values: [Value] = []
        values.reserveCapacity(refs.count)
        for ref in refs { values.append(try await ref.value) }
        return values
    }

    /// Waits until `count` of `refs` are ready (all, by default) or `timeout` has passed on
    /// `clock`, and returns which are ready and which are still pending, each in input order.
    ///
    /// ```swift
    /// let (ready, pending) = await runtime.wait(refs, count: 1, timeout: .seconds(1))
    /// ```
    public func wait<Value: Sendable, C: Clock<Duration>>(
        _ refs: [TaskRef<Value>],
        count: Int? = nil,
        timeout: Duration? = nil,
        clock: C = ContinuousClock()
    ) async -> (ready: [TaskRef<Value>], pending: [TaskRef<Value>]) {
        let needed = min(max(0, count ?? refs.count), refs.count)
        if needed > 0 {
            let gate = WaitGate(needed: needed)
            let deadline = timeout.map { clock.now.advanced(by: $0) }
            let timer = deadline.map { deadline in
                Task {
                    try? await clock.sleep(until: deadline, tolerance: nil)
                    gate.open()
                }
            }
            await withUnsafeContinuation { continuation in
                gate.install(continuation)
                for ref in refs { ref.cell.onComplete { gate.arrive() } }
            }
            timer?.cancel()
        }
        var ready: [TaskRef<Value>] = []
        var pending: [TaskRef<Value>] = []
        for ref in refs {
            if ref.isReady { ready.append(ref) } else { pending.append(ref) }
        }
        return (ready, pending)
    }
}

/// Resumes one waiter once enough arrivals have come, or when opened.
private final class WaitGate: Sendable {
    private struct State {
        var remaining: Int
        var isOpen = false
        var continuation: UnsafeContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    init(needed: Int) {
        state = Mutex(State(remaining: needed))
    }

    func install(_ continuation: UnsafeContinuation<Void, Never>) {
        let resumeNow = state.withLock { state -> Bool in
            if state.isOpen { return true }
            state.continuation = continuation
            return false
        }
        if resumeNow { continuation.resume() }
    }

    func arrive() {
        let toResume = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.remaining -= 1
            return state.remaining <= 0 ? openLocked(&state) : nil
        }
        toResume?.resume()
    }

    func open() {
        state.withLock { openLocked(&$0) }?.resume()
    }

    private func openLocked(_ state: inout State) -> UnsafeContinuation<Void, Never>? {
        guard !state.isOpen else { return nil }
        state.isOpen = true
        defer { state.continuation = nil }
        return state.continuation
    }
}
