import DequeModule
import Foundation
public import Stream
import Synchronization
import Logging

extension Source where Value == KafkaRecord {
    /// Every partition of `topics` on the cluster at `bootstrapServers`, as ``KafkaRecord``s in
    /// batches. The source's position is each partition's next offset, kept in checkpoints: a
    /// restored job goes on from there (not from the consumer group's committed offsets).
    /// `properties` are passed to librdkafka by name (TLS, SASL, tuning). With `untilEnd`, the
    /// source ends once it has read every record that was in the partitions when it started.
    ///
    /// With `group`, the job is a group job: every instance started with this source shares the
    /// work through that consumer group. Each partition number is a task, run by one instance
    /// at a time with checkpoints of its own in the checkpoint directory (one all instances
    /// see), and moved whole — state, offsets, output identity — when the group moves the
    /// partition; keyed steps get their records through exchanges (see
    /// ``DataStream/keyed(by:keyGroups:partitioning:)``). Offsets are also committed to the group
    /// with each task's checkpoint, where a task without a checkpoint starts.
    ///
    /// With `watermark`, records get their Kafka timestamp as event time and the source makes
    /// the watermarks: each partition's is its largest timestamp minus the allowed disorder,
    /// and the stream's is the minimum over the partitions not idle (`.idle(after:)`), so one
    /// quiet partition does not stall the windows. The watermark is checkpointed with the offsets.
    ///
    /// Records gone from the broker before the source read them (the topic's retention deleted
    /// them) stop the job with an error naming the partition and the offsets, or with
    /// `onLostRecords: .skipAndCount` are logged, counted and skipped: never lost silently. So
    /// the source manages librdkafka's `auto.offset.reset` itself, and refuses it in `properties`.
    ///
    /// ```swift
    /// job.source("clicks", .kafka(["clicks"], bootstrapServers: "127.0.0.1:9092",
    ///                             watermark: .boundedOutOfOrderness(.seconds(5)).idle(after: .seconds(30))))
    ///     .map { String(decoding: $0.value ?? [], as: UTF8.self) }
    /// ```
    public static func kafka(_ topics: [String], bootstrapServers: String, group: String? = nil, properties: [String: String] = [:],
                             watermark: WatermarkStrategy? = nil, untilEnd: Bool = false, maxBatch: Int = 8192,
                             onLostRecords: KafkaLostRecords = .fail) -> Source<KafkaRecord> {
        let connection = properties.filter { $0.key != "auto.offset.reset" }.merging(["bootstrap.servers": bootstrapServers]) { _, new in new }
        let sourceGroup = group.map { SourceGroup(name: $0, topics: topics, coordination: KafkaGroupCoordination(properties: connection)) }
        return Source("Kafka topics \(topics.joined(separator: ", ")) at \(bootstrapServers)", providesEventTime: watermark != nil,
                      idleTimeout: watermark?.idleTimeout, isPartitioned: true, group: sourceGroup) { context in
            if let reset = properties["auto.offset.reset"] {
                throw StreamError(.invalidJob, step: context.stepID, action: "configure",
                                  message: "'auto.offset.reset' (\(reset)) is managed by the source: it would let librdkafka skip records gone from the broker silently. Use onLostRecords: .skipAndCount to go on without them, counted")
            }
            var all = connection
            all["auto.offset.reset"] = "error"
            if group != nil {
                guard let task = context.run.task else {
                    throw StreamError(.invalidJob, step: context.stepID, action: "configure",
                                      message: "a Kafka source with a consumer group reads one task's partition at a time: make it the job's source (job.source(_:_:) with it), not the reader of another source")
                }
                return try taskReader(topics, task: task, properties: all, watermark: watermark, maxBatch: maxBatch,
                                      onLostRecords: onLostRecords, context: context)
            }
            return try KafkaSourceReader(topics: topics, properties: all, watermark: watermark, untilEnd: untilEnd,
                                         maxBatch: max(1, maxBatch), onLostRecords: onLostRecords, context: context)
        }
    }

    /// The reader of one task of a group job: partition `task.partition` of each topic, from the
    /// task's checkpoint, or else from the group's committed offsets (an instance whose
    /// checkpoints the others cannot see), or else from the beginning; offsets are committed to
    /// the group with each of the task's checkpoints.
    private static func taskReader(_ topics: [String], task: TaskScope, properties: [String: String], watermark: WatermarkStrategy?,
                                   maxBatch: Int, onLostRecords: KafkaLostRecords, context: SourceContext) throws -> KafkaSourceReader {
        var start = context.restoredPosition
        if start == nil {
            var committed = KafkaOffsets()
            for (topic, offset) in task.member.committedOffsets(topics: topics, partition: task.partition) {
                committed.next[topic, default: [:]][Int32(task.partition)] = offset
            }
            if !committed.next.isEmpty { start = committed.description }
        }
        return try KafkaSourceReader(topics: topics, partitions: [Int32(task.partition)], member: task.member, properties: properties,
                                     watermark: watermark, untilEnd: false, maxBatch: max(1, maxBatch), onLostRecords: onLostRecords,
                                     context: SourceContext(stepID: context.stepID, run: context.run, restoredPosition: start))
    }
}

/// A Kafka source's position: the offsets and, when it makes event time, its watermark and each
/// partition's largest timestamp: `events[0]=5,events[1]=7 @ watermark 1700000 events[0]=1700003,events[1]=1700001`.
struct KafkaPosition {
    var offsets: KafkaOffsets
    var watermark: Int64?
    var maxTimestamps: [String: [Int32: Int64]] = [:]

    init(offsets: KafkaOffsets) {
        self.offsets = offsets
    }

    init?(_ text: String) {
        let parts = text.components(separatedBy: " @ watermark ")
        guard let offsets = parts[0].isEmpty ? KafkaOffsets() : KafkaOffsets(parts[0]) else { return nil }
        self.offsets = offsets
        guard parts.count == 2 else { return }
        let fields = parts[1].split(separator: " ", maxSplits: 1)
        guard let watermark = fields.first.flatMap({ Int64($0) }) else { return nil }
        self.watermark = watermark
        if fields.count == 2 {
            guard let maxima = KafkaOffsets(String(fields[1])) else { return nil }
            maxTimestamps = maxima.next
        }
    }

    var description: String {
        guard let watermark else { return offsets.description }
        var maxima = KafkaOffsets()
        maxima.next = maxTimestamps
        return "\(offsets.description) @ watermark \(watermark) \(maxima.description)"
    }
}

/// Each partition's next offset, written `topic[partition]=offset` joined by commas, sorted.
struct KafkaOffsets: Equatable {
    var next: [String: [Int32: Int64]] = [:]

    init() {}

    init?(_ text: String) {
        for entry in text.split(separator: ",") {
            guard let open = entry.lastIndex(of: "["), let close = entry.lastIndex(of: "]"), open < close,
                  let partition = Int32(entry[entry.index(after: open)..<close]),
                  entry[entry.index(after: close)...].first == "=",
                  let offset = Int64(entry[entry.index(close, offsetBy: 2)...]) else { return nil }
            next[String(entry[..<open]), default: [:]][partition] = offset
        }
    }

    var description: String {
        next.keys.sorted().flatMap { topic in
            next[topic]!.keys.sorted().map { "\(topic)[\($0)]=\(next[topic]![$0]!)" }
        }.joined(separator: ",")
    }
}

/// Reads assigned partitions on a dedicated thread into a small bounded queue of batches; the
/// job's driver takes them from `next()`. When the queue is full the thread stops polling, so
/// librdkafka's own bounded queue fills and fetching pauses: back-pressure, no unbounded buffer.
///
/// `@unchecked Sendable` is safe: `offsets` is touched only by `next()` (the driver, one call
/// at a time); everything shared with the poll thread is behind `shared`'s mutex.
final class KafkaSourceReader: SourceReader, @unchecked Sendable {
    private let consumer: RDKafkaConsumer
    private let context: SourceContext
    /// The next offset of each partition read: the position, without event time.
    private(set) var offsets = KafkaOffsets()
    /// Per-partition watermarks, when the source makes event time.
    private var tracker: WatermarkTracker?
    /// How often the partitions' event time goes to the console.
    private var console = ConsoleThrottle()
    /// Each partition's largest timestamp in the restored checkpoint, for when it is assigned.
    private var savedMaxima: [String: [Int32: Int64]] = [:]
    /// The tracker's number for each partition.
    private var partitionIndex: [String: [Int32: Int]] = [:]
    /// The partitions this reader reads.
    private(set) var heldPartitions: Set<TopicPartition> = []
    /// Where each partition's input ends, when reading until the end.
    private let ends: [String: [Int32: Int64]]?
    private let queue = KafkaBatchQueue()
    private let stop = StopFlag()
    /// Free places in the queue of batches (created at 0 and raised: libdispatch refuses to free
    /// a semaphore whose count is below the value it was created with).
    private let room = DispatchSemaphore(value: 0)
    /// Signalled when the poll thread has stopped, or when `init` fails before starting it.
    private let threadDone: DispatchSemaphore

    /// In a group job's task: the member the task's offsets are committed through.
    private let member: (any GroupMember)?

    /// With `partitions`, only those partitions of each topic are read (a group job's task).
    init(topics: [String], partitions only: Set<Int32>? = nil, member: (any GroupMember)? = nil,
         properties: [String: String], watermark: WatermarkStrategy?, untilEnd: Bool, maxBatch: Int,
         onLostRecords: KafkaLostRecords, context: SourceContext) throws {
        // A failure after the consumer exists still runs deinit, which releases the consumer once
        // the poll thread is done: with no thread started, nothing else would say so, and the
        // consumer (and its threads) would never be closed.
        let done = DispatchSemaphore(value: 0)
        threadDone = done
        var started = false
        defer { if !started { done.signal() } }
        self.context = context
        self.member = member
        let saved = try context.restoredPosition.map { text -> KafkaPosition in
            guard let parsed = KafkaPosition(text) else {
                throw StreamError(.stateful, step: context.stepID, action: "restore", position: text, message: "not a Kafka position")
            }
            return parsed
        }
        if let watermark {
            tracker = WatermarkTracker(strategy: watermark, restoring: [:], watermark: saved?.watermark ?? EventTime.beginning, now: context.run.now())
            savedMaxima = saved?.maxTimestamps ?? [:]
        }
        do {
            consumer = try RDKafkaConsumer(properties: properties)
            var assignment: [TopicPartition: Int64] = [:]
            var ends: [String: [Int32: Int64]] = [:]
            for topic in topics {
                let partitions = try consumer.partitions(of: topic).filter { only?.contains($0) ?? true }
                guard !partitions.isEmpty else { throw KafkaError(action: "reading metadata of \(topic)", message: "the topic has no partitions (does it exist?)") }
                for partition in partitions {
                    assignment[TopicPartition(topic: topic, partition: partition)] = saved?.offsets.next[topic]?[partition] ?? RDKafkaConsumer.beginning
                    if untilEnd { ends[topic, default: [:]][partition] = try consumer.endOffset(topic: topic, partition: partition) }
                }
            }
            self.ends = untilEnd ? ends : nil
            hold(assignment)
            try consumer.assign(assignment.map { ($0.key.topic, $0.key.partition, $0.value) })
        } catch let error as KafkaError {
            throw StreamError(.io, step: context.stepID, action: "connect", position: properties["bootstrap.servers"], message: "\(error)")
        }
        for _ in 0..<4 { room.signal() }
        let thread = Thread { [consumer, queue, stop, room, threadDone, context] in
            while !stop.isSet {
                room.wait()
                if stop.isSet { break }
                let (records, errors) = consumer.poll(max: maxBatch, timeout: .milliseconds(100))
                // Transient errors (a broker down) are retried by librdkafka; a fatal one ends the source.
                var failure = errors.first { $0.code == "_FATAL" }
                for error in errors where error.code == "_AUTO_OFFSET_RESET" && failure == nil {
                    failure = Self.recover(from: error, consumer: consumer, policy: onLostRecords, context: context)
                }
                queue.push(records, failure: failure)
            }
            threadDone.signal()
        }
        thread.name = "kafka-source-\(context.stepID)"
        thread.start()
        started = true
    }

    /// A partition's next offset is gone from the broker (librdkafka, told `auto.offset.reset=error`,
    /// stopped fetching it): the error that ends the source, or nil once the records that are
    /// gone were counted and the partition moved on to its oldest offset. On the poll thread.
    private static func recover(from error: KafkaError, consumer: RDKafkaConsumer, policy: KafkaLostRecords, context: SourceContext) -> KafkaError? {
        guard let partition = error.partition, let next = error.offset else { return error }
        do {
            let lost = LostRecords(partition: partition, next: next,
                                   oldest: try consumer.startOffset(topic: partition.topic, partition: partition.partition))
            if let failure = lost.failure(under: policy) { return failure }
            try consumer.restart(partition, at: lost.oldest)
            lost.count(step: context.stepID, run: context.run)
            return nil
        } catch let failure as KafkaError {
            return failure
        } catch {
            return KafkaError(action: "reading \(partition.topic)[\(partition.partition)]", message: "\(error)")
        }
    }

    /// Stops the poll thread without waiting for it here (a deinit may run on the cooperative
    /// pool): the consumer is released, and its blocking close runs, off the pool once the
    /// thread has stopped.
    deinit {
        stop.set()
        room.signal()
        consumer.wake()
        BlockingLane.release(consumer, after: threadDone)
    }

    /// Calls `body` with each run of records from one partition (a poll returns them in runs, in
    /// offset order): per-partition work once per run, not once per record.
    private static func forEachRun(in records: [KafkaRecord], _ body: (_ topic: String, _ partition: Int32, _ run: Range<Int>) -> Void) {
        var index = records.startIndex
        while index < records.endIndex {
            let first = records[index]
            var last = index
            while last + 1 < records.endIndex, records[last + 1].partition == first.partition, records[last + 1].topic == first.topic {
                last += 1
            }
            body(first.topic, first.partition, index..<(last + 1))
            index = last + 1
        }
    }

    /// Moves each partition's next offset past `records`.
    private func advanceOffsets(past records: [KafkaRecord]) {
        Self.forEachRun(in: records) { topic, partition, run in
            let next = records[run.upperBound - 1].offset + 1
            offsets.next[topic, default: [:]][partition] = next
        }
    }

    /// `records` without those at or past their partition's end offset, when reading until the end.
    private func trimmedToEnds(_ records: [KafkaRecord]) -> [KafkaRecord] {
        guard let ends else { return records }
        var pastEnd = false
        Self.forEachRun(in: records) { topic, partition, run in
            if let end = ends[topic]?[partition], records[run.upperBound - 1].offset >= end { pastEnd = true }
        }
        guard pastEnd else { return records }
        return records.filter { record in (ends[record.topic]?[record.partition]).map { record.offset < $0 } ?? true }
    }

    /// Takes on the partitions this reader reads: their offsets and watermarks.
    private func hold(_ starts: [TopicPartition: Int64]) {
        let now = context.run.now()
        for (partition, start) in starts.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
            heldPartitions.insert(partition)
            if start >= 0 { offsets.next[partition.topic, default: [:]][partition.partition] = start }
            let index = partitionIndex.values.reduce(0) { $0 + $1.count }
            partitionIndex[partition.topic, default: [:]][partition.partition] = index
            tracker?.register(partition: index, maxTimestamp: savedMaxima[partition.topic]?[partition.partition] ?? .min, now: now)
        }
    }

    /// In a group job's task, commits the checkpoint's offsets to the group once it is durable,
    /// so an instance that cannot see the task's checkpoints starts the partition where this one
    /// ended (refused during a rebalance: the next checkpoint commits again). Runs while `next()`
    /// may be reading ahead on another task: it reads only `position` and the member.
    func checkpoint(_ barrier: CheckpointBarrier, at position: String) {
        guard let member, let reached = KafkaPosition(position) else { return }
        for partition in Set(reached.offsets.next.values.flatMap(\.keys)) {
            var offsets: [String: Int64] = [:]
            for (topic, partitions) in reached.offsets.next { offsets[topic] = partitions[partition] }
            barrier.onCommit { [step = context.stepID, offsets] in
                do {
                    try member.commit(offsets, partition: Int(partition))
                } catch {
                    Logger(label: "stream.kafka").warning("\(step): the group's offsets were not committed: \(error)")
                }
            }
        }
    }

    var position: String? {
        var position = KafkaPosition(offsets: offsets)
        if let tracker {
            position.watermark = tracker.watermark
            let maxima = tracker.maxTimestamps
            for (topic, partitions) in partitionIndex {
                for (partition, index) in partitions { position.maxTimestamps[topic, default: [:]][partition] = maxima[index] ?? .min }
            }
        }
        return position.description
    }

    private var reachedEnd: Bool {
        guard let ends else { return false }
        return ends.allSatisfy { topic, partitions in
            partitions.allSatisfy { partition, end in end <= 0 || (offsets.next[topic]?[partition] ?? 0) >= end }
        }
    }

    func next() async throws -> RecordBatch<KafkaRecord>? {
        while true {
            if reachedEnd { return nil }
            try Task.checkCancellation()
            let (taken, failure) = await queue.next()
            if let failure {
                throw StreamError(.io, step: context.stepID, action: "consume", position: position, message: "\(failure)")
            }
            guard let taken else { continue }
            room.signal()
            let records = trimmedToEnds(taken)
            advanceOffsets(past: records)
            // An empty batch is a heartbeat: the driver checks for checkpoints and stops on it.
            guard !records.isEmpty || ends == nil else { continue }
            return tracker == nil ? RecordBatch(values: records) : timed(records)
        }
    }
}

extension KafkaSourceReader {
    /// The records with their Kafka timestamps as event time and the watermark before each,
    /// from the per-partition tracker; an empty batch moves the watermark on idleness alone.
    func timed(_ records: [KafkaRecord]) -> RecordBatch<KafkaRecord> {
        let now = context.run.now()
        var timestamps: [Int64] = []
        var watermarks: [Int64] = []
        timestamps.reserveCapacity(records.count)
        watermarks.reserveCapacity(records.count)
        Self.forEachRun(in: records) { topic, partition, run in
            let index = partitionIndex[topic]?[partition] ?? 0
            for record in records[run] {
                let timestamp = record.timestamp ?? now
                watermarks.append(tracker!.watermark)
                timestamps.append(timestamp)
                tracker!.observe(timestamp: timestamp, partition: index, now: now)
            }
        }
        let end = tracker!.tick(now: now)
        if console.isDue(at: now) {
            var names: [Int: String] = [:]
            for partition in heldPartitions {
                if let number = partitionIndex[partition.topic]?[partition.partition] { names[number] = "\(partition.topic)[\(partition.partition)]" }
            }
            context.run.progress.partitions(of: context.stepID, tracker!.progress(source: context.stepID, names: names, now: now))
        }
        return RecordBatch(values: records, timestamps: timestamps, watermarks: watermarks, endWatermark: end)
    }
}

/// Batches from the poll thread to the job's driver; the driver waits without blocking a thread.
final class KafkaBatchQueue: Sendable {
    private struct State {
        var batches = Deque<[KafkaRecord]>()
        var failure: KafkaError?
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func push(_ records: [KafkaRecord], failure: KafkaError?) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.batches.append(records)
            if let failure { state.failure = failure }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The oldest batch (waiting for one), or the failure that ended the source.
    func next() async -> ([KafkaRecord]?, KafkaError?) {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if !state.batches.isEmpty || state.failure != nil { return true }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        return state.withLock { state in (state.batches.popFirst(), state.failure) }
    }
}
