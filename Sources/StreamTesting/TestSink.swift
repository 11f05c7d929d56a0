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
    private let state = Mutex<(values: [Value], batches: Int, closed: Bool)>(([], 0, false))

    public init() {}

    /// Everything written so far, in order.
    public var values: [Value] { state.withLock { $0.values } }
    /// How many batches were written.
    public var batchCount: Int { state.withLock { $0.batches } }
    /// Whether the job closed the sink (it does at the end of a run).
    public var isClosed: Bool { state.withLock { $0.closed } }

    public var sink: Sink<Value> {
        Sink("test sink") { _ in Writer(owner: self) }
    }

    final class Writer: SinkWriter {
        let owner: TestSink<Value>
        init(owner: TestSink<Value>) { self.owner = owner }

        func write(_ batch: RecordBatch<Value>) async throws {
            owner.state.withLock {
                $0.values.append(contentsOf: batch.values)
                $0.batches += 1
            }
        }

        func close() async throws {
            owner.state.withLock { $0.closed = true }
        }
    }
}
