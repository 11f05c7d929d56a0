import Synchronization
public import Stream

/// Collects what a sink step receives, for assertions.
///
/// ```swift
/// let collected = TestSink<WindowResult<String, Int>>()
/// counts.results.sink("out", collected.sink)
/// try await job.run()
/// #expect(collected.values.count == 3)
/// ```
public final class TestSink<Value: Sendable>: Sendable {
    private struct State {
        var values: [Value] = []
        var batches = 0
        var closed = false
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Everything written so far, in order.
    public var values: [Value] { state.withLock { $0.values } }
    /// How many batches were written.
    public var batchCount: Int { state.withLock { $0.batches } }
    /// Whether the job closed the sink (it does at the end of a run).
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Returns once at least `count` values were written (no polling, no sleeping).
    public func waitForValues(count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.values.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    public var sink: Sink<Value> {
        Sink("test sink") { _ in Writer(owner: self) }
    }

    final class Writer: SinkWriter {
        let owner: TestSink<Value>
        init(owner: TestSink<Value>) { self.owner = owner }

        func write(_ batch: RecordBatch<Value>) async throws {
            let ready = owner.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.values.append(contentsOf: batch.values)
                state.batches += 1
                let count = state.values.count
                defer { state.waiters.removeAll { $0.count <= count } }
                return state.waiters.filter { $0.count <= count }.map(\.continuation)
            }
            for waiter in ready { waiter.resume() }
        }

        func close() async throws {
            owner.state.withLock { $0.closed = true }
        }
    }
}
