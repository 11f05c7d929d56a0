import DequeModule
import Synchronization

/// A source as the job's driver sees it: read ahead by a task of its own into a small bounded
/// queue, and delivered down its chain of steps one batch at a time by the driver.
protocol RunningSource: AnyObject, Sendable {
    /// The source step's id.
    var id: String { get }
    /// The source's step number in the graph.
    var step: Int { get }
    /// Whether the restored checkpoint says this source had already finished.
    var restoredFinished: Bool { get }
    /// Starts reading; each batch read (or the end) notifies `signal`.
    func start(signal: DriverSignal)
    /// Whether a batch, the end of input or a failure waits to be delivered.
    var hasPending: Bool { get }
    /// The event-time watermark after the last batch delivered.
    var deliveredWatermark: Int64 { get }
    /// Sends the oldest batch read down the chain; at the end of input finishes the chain and
    /// returns false. A failure of the reader is thrown here, in read order.
    func deliverNext() async throws -> Bool
    /// Where the source is after the last batch delivered; nil if it cannot say.
    var position: String? { get }
    /// Whether any batch was delivered in this run.
    var hasDelivered: Bool { get }
    /// Tells the reader that `position` went into this checkpoint.
    func positionTaken(_ barrier: CheckpointBarrier, position: String)
    /// Passes a checkpoint barrier down the chain.
    func checkpoint(_ barrier: CheckpointBarrier) async throws
    /// Stops reading and waits for the reading task to end.
    func stop() async
}

/// One source step: its reader, the chain it feeds, and the reading task between them.
///
/// `@unchecked Sendable` is safe: the reader is used only by the reading task (positions are
/// taken there, after each batch), the queue is behind a mutex, and the delivery fields
/// (`position`, `hasDelivered`, `deliveredWatermark`) only by the driver, one call at a time.
final class SourceStep<Value: Sendable>: RunningSource, @unchecked Sendable {
    enum Item {
        case batch(RecordBatch<Value>, position: String?, readAt: Int64, deadLetters: [[UInt8]])
        case end(deadLetters: [[UInt8]])
        case failure(any Error)
    }

    private struct Queue {
        var items = Deque<Item>()
        var reader: CheckedContinuation<Void, Never>?
    }

    /// How many batches are read ahead of the driver.
    static var capacity: Int { 2 }

    let id: String
    let step: Int
    let restoredFinished: Bool
    private let reader: any SourceReader<Value>
    /// Where the reader's bad records go, written as their batches are delivered.
    private let deadLetters: (any SinkWriter<[UInt8]>)?
    private let downstream: BatchReceiver<Value>
    private let context: RunContext
    private let metrics: StepMetrics
    private let queue = Mutex(Queue())
    private let task = Mutex<Task<Void, Never>?>(nil)
    private(set) var position: String?
    private(set) var hasDelivered = false
    private(set) var deliveredWatermark = EventTime.beginning

    init(id: String, step: Int, reader: any SourceReader<Value>, restoredFinished: Bool, deadLetters: (any SinkWriter<[UInt8]>)?,
         downstream: BatchReceiver<Value>, context: RunContext) {
        self.id = id
        self.step = step
        self.reader = reader
        self.deadLetters = deadLetters
        self.restoredFinished = restoredFinished
        self.downstream = downstream
        self.context = context
        metrics = StepMetrics(step: id, progress: context.progress)
        position = reader.position
        // Exported from the start, at zero, for a source that has somewhere to put bad records.
        if deadLetters != nil { EngineMetrics.deadLetters(step: id).increment(by: 0) }
    }

    func start(signal: DriverSignal) {
        let reading = Task { [self] in await read(signal: signal) }
        task.withLock { $0 = reading }
    }

    func stop() async {
        guard let reading = task.withLock({ $0 }) else { return }
        reading.cancel()
        wakeReader()
        await reading.value
    }

    /// The reading task: reads batches while the queue has room.
    private func read(signal: DriverSignal) async {
        while !Task.isCancelled {
            let item: Item
            do {
                if let batch = try await reader.next() {
                    item = .batch(batch, position: reader.position, readAt: context.now(), deadLetters: reader.takeDeadLetters())
                } else {
                    item = .end(deadLetters: reader.takeDeadLetters())
                }
            } catch {
                item = .failure(error)
            }
            queue.withLock { $0.items.append(item) }
            signal.notify()
            if case .batch = item {} else { return }
            await waitForRoom()
        }
    }

    private func waitForRoom() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = queue.withLock { queue -> Bool in
                    if queue.items.count < Self.capacity || Task.isCancelled { return true }
                    queue.reader = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            wakeReader()
        }
    }

    private func wakeReader() {
        queue.withLock { queue -> CheckedContinuation<Void, Never>? in
            defer { queue.reader = nil }
            return queue.reader
        }?.resume()
    }

    var hasPending: Bool { queue.withLock { !$0.items.isEmpty } }

    func deliverNext() async throws -> Bool {
        guard let item = queue.withLock({ $0.items.popFirst() }) else { return true }
        wakeReader()
        switch item {
        case .failure(let error):
            throw error
        case .end(let rejected):
            try await writeDeadLetters(rejected)
            try await deadLetters?.close()
            try await downstream.finish()
            return false
        case .batch(let batch, let after, let readAt, let rejected):
            try await writeDeadLetters(rejected)
            position = after
            context.delivering(readAt: readAt)
            context.delivering(from: id, endingAt: after)
            hasDelivered = true
            context.count { $0.recordsRead += batch.count }
            context.progress.read(batch.count)
            if batch.endWatermark > EventTime.beginning {
                context.progress.watermark(batch.endWatermark)
                deliveredWatermark = max(deliveredWatermark, batch.endWatermark)
            }
            metrics.counted(in: 0, out: batch.count)
            try await downstream.consume(batch)
            return true
        }
    }

    private func writeDeadLetters(_ lines: [[UInt8]]) async throws {
        guard !lines.isEmpty else { return }
        guard let deadLetters else {
            throw StreamError(.invalidJob, step: id, action: "dead letters", message: "the source produced dead letters but has no destination for them")
        }
        try await deadLetters.write(RecordBatch(values: lines))
        context.countDeadLetters(lines.count, step: id)
    }

    func positionTaken(_ barrier: CheckpointBarrier, position: String) {
        reader.checkpoint(barrier, at: position)
    }

    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        try await deadLetters?.checkpoint(barrier)
        try await downstream.checkpoint(barrier)
    }
}
