import Dispatch

/// A serial lane outside Swift's cooperative thread pool for a Kafka client's blocking
/// librdkafka calls (a flush, a produce waiting on a full queue, offset queries): the job's
/// tasks await the lane instead of holding one of the pool's few threads while librdkafka waits.
/// Calls run one at a time, in order.
///
/// ```swift
/// let lane = BlockingLane("kafka-sink-counts")
/// try await lane.run { try producer.flush() }
/// ```
final class BlockingLane: Sendable {
    private let queue: DispatchQueue

    init(_ label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the lane and returns what it returns (or throws what it throws).
    func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Swift.Result { try body() }) }
        }
    }

    /// Releases `object` on a thread outside the cooperative pool once `ready` is signalled, so
    /// a deinit that blocks (closing a client) never runs on the pool.
    static func release(_ object: AnyObject, after ready: DispatchSemaphore) {
        let box = UncheckedBox(object)
        DispatchQueue.global().async {
            ready.wait()
            withExtendedLifetime(box) {}
        }
    }
}

/// Carries a reference to another thread only to release it there.
///
/// `@unchecked Sendable` is safe: nothing is called on the object; it is only kept alive and let go.
private final class UncheckedBox: @unchecked Sendable {
    let object: AnyObject
    init(_ object: AnyObject) { self.object = object }
}
