/// Merges several inputs with event time into one stream whose order depends only on each
/// input's own records and watermarks, never on how their batches happened to interleave in time.
///
/// The merged stream is the inputs' records ordered by the watermark before each, then by input
/// number, then by read order; each keeps that watermark, so a record is late in the merged
/// stream exactly when it was late in its own input. A record goes out once no input can still
/// send one that comes before it: every other input's watermark is past the record's (or equal,
/// for an input numbered after it). The merged watermark is the minimum over the inputs; an input
/// that ended counts as the end of time, and an input idle for its strategy's idle timeout
/// (processing time) is left out until it sends again. A value state machine: no I/O, no clocks.
///
/// ```swift
/// var aligned = AlignedInputs<String>(idleTimeouts: [nil, nil], now: 0)
/// aligned.add(RecordBatch(values: ["a"], timestamps: [10], watermarks: [5], endWatermark: 8), input: 0, now: 0)
/// aligned.release(now: 0).count   // 0: input 1 may still send a record before "a"
/// aligned.finish(input: 1)
/// aligned.release(now: 0).values  // ["a"]
/// ```
struct AlignedInputs<Value: Sendable>: Sendable {
    /// One input's records not yet released, in read order, and where it is.
    struct Input: Sendable {
        var values: [Value] = []
        var timestamps: [Int64] = []
        var watermarks: [Int64] = []
        /// Records before `head` were released.
        var head = 0
        var watermark = EventTime.beginning
        var ended = false
        var lastActivity: Int64
        let idleTimeout: Int64?

        var buffered: Int { values.count - head }

        func isIdle(now: Int64) -> Bool {
            guard let idleTimeout, !ended else { return false }
            return now - lastActivity >= idleTimeout
        }

        mutating func dropReleased() {
            guard head > 0, head >= 4096 || head == values.count else { return }
            values.removeFirst(head)
            timestamps.removeFirst(head)
            watermarks.removeFirst(head)
            head = 0
        }
    }

    private(set) var inputs: [Input]
    /// The watermark of the last record released.
    private(set) var releasedWatermark = EventTime.beginning
    /// The merged stream's watermark after what was released.
    private(set) var watermark = EventTime.beginning

    init(idleTimeouts: [Int64?], now: Int64) {
        inputs = idleTimeouts.map { Input(lastActivity: now, idleTimeout: $0) }
    }

    /// Takes a batch of input `input` (records with event time, or a heartbeat).
    mutating func add(_ batch: RecordBatch<Value>, input: Int, now: Int64) {
        if batch.count > 0 {
            inputs[input].values.append(contentsOf: batch.values)
            inputs[input].timestamps.append(contentsOf: batch.timestamps)
            inputs[input].watermarks.append(contentsOf: batch.watermarks)
            inputs[input].lastActivity = now
        }
        inputs[input].watermark = max(inputs[input].watermark, batch.endWatermark)
    }

    /// Input `input` reached the end of its input: it no longer holds the others back.
    mutating func finish(input: Int) {
        inputs[input].ended = true
        inputs[input].watermark = EventTime.end
    }

    var allEnded: Bool { inputs.allSatisfy(\.ended) }

    /// The inputs that hold the merged watermark back at `now`: not ended, not idle.
    func isActive(_ input: Int, now: Int64) -> Bool {
        !inputs[input].ended && !inputs[input].isIdle(now: now)
    }

    /// The largest watermark-before of input `input`'s records that may go out now: every other
    /// active input's watermark, minus one for those numbered before it. Nil if none may.
    func releaseLimit(of input: Int, now: Int64) -> Int64? {
        var limit = EventTime.end
        for other in inputs.indices where other != input && isActive(other, now: now) {
            let bound = inputs[other].watermark
            if other < input {
                guard bound > EventTime.beginning else { return nil }
                limit = min(limit, bound - 1)
            } else {
                limit = min(limit, bound)
            }
        }
        return limit
    }

    /// Releases every record that may go out now, in merged order, with the merged watermark
    /// after them.
    mutating func release(now: Int64) -> RecordBatch<Value> {
        let limits = inputs.indices.map { releaseLimit(of: $0, now: now) }
        let ends = inputs.indices.map { input -> Int in
            guard let limit = limits[input] else { return inputs[input].head }
            let watermarks = inputs[input].watermarks
            var low = inputs[input].head
            var high = watermarks.count
            while low < high {
                let middle = (low + high) / 2
                if watermarks[middle] <= limit { low = middle + 1 } else { high = middle }
            }
            return low
        }
        // Never behind what went out already (an idle input that comes back joins at the merged watermark).
        releasedWatermark = max(releasedWatermark, watermark)
        var values: [Value] = []
        var timestamps: [Int64] = []
        var watermarks: [Int64] = []
        let total = inputs.indices.reduce(0) { $0 + ends[$1] - inputs[$1].head }
        values.reserveCapacity(total)
        timestamps.reserveCapacity(total)
        watermarks.reserveCapacity(total)
        while true {
            var next: Int?
            for input in inputs.indices where inputs[input].head < ends[input] {
                if let best = next, inputs[best].watermarks[inputs[best].head] <= inputs[input].watermarks[inputs[input].head] { continue }
                next = input
            }
            guard let input = next else { break }
            // The run of this input's records that come before any other input's head.
            var stop = ends[input]
            for other in inputs.indices where other != input && inputs[other].head < ends[other] {
                let otherHead = inputs[other].watermarks[inputs[other].head]
                let run = inputs[input].watermarks
                var low = inputs[input].head
                var high = stop
                while low < high {
                    let middle = (low + high) / 2
                    if run[middle] < otherHead || (run[middle] == otherHead && input < other) { low = middle + 1 } else { high = middle }
                }
                stop = low
            }
            let start = inputs[input].head
            values.append(contentsOf: inputs[input].values[start..<stop])
            timestamps.append(contentsOf: inputs[input].timestamps[start..<stop])
            for index in start..<stop {
                releasedWatermark = max(releasedWatermark, inputs[input].watermarks[index])
                watermarks.append(releasedWatermark)
            }
            inputs[input].head = stop
        }
        for input in inputs.indices { inputs[input].dropReleased() }
        watermark = max(watermark, mergedWatermark(now: now) ?? watermark, releasedWatermark)
        return RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: watermark)
    }

    /// The inputs that ran ahead: more than `bound` records buffered and a watermark past the
    /// merged one (their sources should wait), and the inputs at the merged watermark (whose
    /// sources must never wait: the others wait for them).
    func farAhead(bound: Int, now: Int64) -> (ahead: [Int], behind: [Int]) {
        let minimum = mergedWatermark(now: now) ?? watermark
        let ahead = inputs.indices.filter { inputs[$0].buffered > bound && inputs[$0].watermark > minimum }
        let behind = inputs.indices.filter { inputs[$0].watermark <= minimum }
        return (ahead, behind)
    }

    /// The minimum watermark over the inputs that are not idle (one that ended counts as the end
    /// of time); nil when every input is idle (the merged watermark then stays where it is).
    func mergedWatermark(now: Int64) -> Int64? {
        // An input that ended counts (as the end of time); one that is idle does not.
        inputs.filter { !$0.isIdle(now: now) }.map(\.watermark).min()
    }
}

extension AlignedInputs {
    /// The buffered records and watermarks, for a checkpoint; records are encoded by the caller.
    func snapshot(encodeRecords: ([Value]) throws -> [UInt8]) throws -> AlignedInputsSnapshot {
        AlignedInputsSnapshot(
            inputs: try inputs.map { input in
                AlignedInputsSnapshot.Input(records: input.buffered == 0 ? [] : try encodeRecords(Array(input.values[input.head...])),
                                            timestamps: Array(input.timestamps[input.head...]),
                                            watermarks: Array(input.watermarks[input.head...]),
                                            watermark: input.watermark, ended: input.ended)
            },
            releasedWatermark: releasedWatermark, watermark: watermark)
    }

    /// The state of `snapshot`, every input counting as active from `now`.
    init(idleTimeouts: [Int64?], now: Int64, restoring snapshot: AlignedInputsSnapshot,
         decodeRecords: ([UInt8]) throws -> [Value]) throws {
        self.init(idleTimeouts: idleTimeouts, now: now)
        guard snapshot.inputs.count == inputs.count else {
            throw CheckpointMismatch(message: "the checkpoint has \(snapshot.inputs.count) inputs for this step, the pipeline \(inputs.count)")
        }
        for (index, saved) in snapshot.inputs.enumerated() {
            inputs[index].values = saved.records.isEmpty ? [] : try decodeRecords(saved.records)
            inputs[index].timestamps = saved.timestamps
            inputs[index].watermarks = saved.watermarks
            inputs[index].watermark = saved.watermark
            inputs[index].ended = saved.ended
            guard inputs[index].values.count == saved.timestamps.count else {
                throw CheckpointMismatch(message: "input \(index) holds \(inputs[index].values.count) records and \(saved.timestamps.count) timestamps")
            }
        }
        releasedWatermark = snapshot.releasedWatermark
        watermark = snapshot.watermark
    }
}

/// A checkpointed ``AlignedInputs``: each input's records not yet released (encoded by the
/// step's record codec), their time, and where each input and the merged stream are.
struct AlignedInputsSnapshot: Codable, Sendable {
    struct Input: Codable, Sendable {
        var records: [UInt8]
        var timestamps: [Int64]
        var watermarks: [Int64]
        var watermark: Int64
        var ended: Bool
    }

    var inputs: [Input]
    var releasedWatermark: Int64
    var watermark: Int64
}

/// A checkpoint whose state does not fit the step it is restored into.
struct CheckpointMismatch: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
