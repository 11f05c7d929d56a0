public import Stream

/// Decodes each batch's values, keeping each good record's event time.
///
/// A large batch is decoded in runtime tasks, a slice each with a decoder of its own, so decoding
/// (the heaviest work of a Kafka JSON pipeline) runs on every worker rather than on the source's
/// one reading task. What must be sequential — event time from the payload, bad records in
/// offset order — is done afterwards, in one pass over the decoded slices.
///
/// `@unchecked Sendable` is safe: the job's driver calls it one call at a time; `decode` (which
/// may keep state from one record to the next) is called only from `next`, and each slice task
/// makes its own decoder.
final class DecodingReader<Value: Sendable>: SourceReader, @unchecked Sendable {
    /// How often the partitions' event time goes to the console.
    private var console = ConsoleThrottle()
    let inner: any SourceReader<KafkaRecord>
    /// `inner` when it reads Kafka itself (not, say, an exchange): its offsets and held
    /// partitions are read directly.
    private let kafka: KafkaSourceReader?
    let context: SourceContext
    /// Makes a decoder: one for small batches, decoded here, and one per slice task.
    private let makeDecode: @Sendable () -> ([UInt8]) throws -> Value
    private let decode: ([UInt8]) throws -> Value
    /// Bad records since the engine last took them, as dead-letter lines (with a destination).
    private var deadLetters: [[UInt8]]?
    /// Event time from the decoded value, when the source takes it from there.
    private let timestamp: (@Sendable (Value) -> Int64)?
    private var payloadWatermarks: PayloadWatermarks?
    /// Batches smaller than this are decoded here: a task would cost more than it saves.
    static var recordsPerTask: Int { 1024 }

    init(inner: any SourceReader<KafkaRecord>, context: SourceContext, makeDecode: @escaping @Sendable () -> ([UInt8]) throws -> Value,
         keepsDeadLetters: Bool, payloadTime: (timestamp: @Sendable (Value) -> Int64, strategy: WatermarkStrategy)? = nil) {
        self.inner = inner
        kafka = inner as? KafkaSourceReader
        self.context = context
        self.makeDecode = makeDecode
        decode = makeDecode()
        deadLetters = keepsDeadLetters ? [] : nil
        timestamp = payloadTime?.timestamp
        if let payloadTime {
            payloadWatermarks = PayloadWatermarks(strategy: payloadTime.strategy,
                                                  restoring: context.restoredPosition.flatMap(KafkaPosition.init), now: context.run.now())
        }
    }

    func takeDeadLetters() -> [[UInt8]] {
        guard let lines = deadLetters, !lines.isEmpty else { return [] }
        deadLetters = []
        return lines
    }

    var position: String? {
        guard let payloadWatermarks else { return inner.position }
        // The Kafka reader's offsets as they are: its position as text would be parsed again.
        if let kafka { return payloadWatermarks.position(kafka.offsets) }
        return payloadWatermarks.position(inner.position)
    }

    func checkpoint(_ barrier: CheckpointBarrier, at position: String) { inner.checkpoint(barrier, at: position) }

    func next() async throws -> RecordBatch<Value>? {
        guard let batch = try await inner.next() else { return nil }
        let slices = try await decodedSlices(of: batch.values)
        let now = context.run.now()
        if let held = kafka?.heldPartitions { payloadWatermarks?.hold(held, now: now) }
        var values: [Value] = []
        var timestamps: [Int64] = []
        var watermarks: [Int64] = []
        values.reserveCapacity(batch.count)
        let timed = batch.hasEventTime
        // The partition of the run of records being read: a poll returns records in runs by
        // partition, so the partition's number is looked up once per run, not per record.
        var run: (topic: String, partition: Int32, number: Int?)?
        try batch.values.withUnsafeBufferPointer { records in
            for slice in slices {
                var failures = slice.failures.makeIterator()
                var nextFailure = failures.next()
                var decoded = slice.values.makeIterator()
                for index in slice.records {
                    if let failure = nextFailure, failure.index == index {
                        nextFailure = failures.next()
                        try reject(records[index], reason: failure.reason)
                        continue
                    }
                    let value = decoded.next()!
                    if let timestamp, payloadWatermarks != nil {
                        let time = timestamp(value)
                        if run?.partition != records[index].partition || run?.topic != records[index].topic {
                            let (topic, partition) = (records[index].topic, records[index].partition)
                            run = (topic, partition, payloadWatermarks!.number(topic: topic, partition: partition))
                        }
                        watermarks.append(payloadWatermarks!.observe(time, partition: run!.number, now: now))
                        timestamps.append(time)
                    } else if timed {
                        timestamps.append(batch.timestamps[index])
                        watermarks.append(batch.watermarks[index])
                    }
                    values.append(value)
                }
            }
        }
        if payloadWatermarks != nil {
            if console.isDue(at: now) {
                context.run.progress.partitions(of: context.stepID, payloadWatermarks!.progress(source: context.stepID, now: now))
            }
            return RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: payloadWatermarks!.end(now: now))
        }
        return timed || batch.endWatermark > EventTime.beginning
            ? RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: batch.endWatermark)
            : RecordBatch(values: values)
    }

    /// The batch's values decoded: here for a small batch, otherwise in a task per slice.
    private func decodedSlices(of records: [KafkaRecord]) async throws -> [DecodedSlice<Value>] {
        let runtime = context.run.runtime
        let pieces = Chunking.ranges(count: records.count, workers: runtime.workerCount,
                                     minimumPerTask: Self.recordsPerTask, tasksPerWorker: 2)
        guard pieces.count > 1 else { return [DecodedSlice(records, pieces.first ?? 0..<0, decode: decode)] }
        let makeDecode = makeDecode
        return try await runtime.get(runtime.submitBatch(count: pieces.count) { piece in
            DecodedSlice(records, pieces[piece], decode: makeDecode())
        })
    }

    /// A record that does not decode: the error that stops the job, or a dead-letter line.
    private func reject(_ record: KafkaRecord, reason: String) throws {
        guard deadLetters != nil else {
            throw StreamError(.badRecord, step: context.stepID, action: "decode", position: record.position,
                              record: String(decoding: record.value ?? [], as: UTF8.self), message: reason)
        }
        deadLetters!.append(try DeadLetterLine.recordLine(step: context.stepID, position: record.position, bytes: record.value ?? [],
                                                          reason: reason))
    }
}

/// The values decoded from a run of a batch's records, and the records that did not decode (by
/// index in the batch, in order, with the reason).
struct DecodedSlice<Value: Sendable>: Sendable {
    let records: Range<Int>
    var values: [Value] = []
    var failures: [(index: Int, reason: String)] = []

    init(_ batch: [KafkaRecord], _ records: Range<Int>, decode: ([UInt8]) throws -> Value) {
        self.records = records
        values.reserveCapacity(records.count)
        for index in records {
            do {
                values.append(try decode(batch[index].value ?? []))
            } catch {
                failures.append((index, "\(error)"))
            }
        }
    }
}
