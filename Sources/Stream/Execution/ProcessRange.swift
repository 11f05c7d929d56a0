/// A stateful step's checkpoint: each range's snapshot as it was, with the key groups each
/// covered, so a restore with the same ranges takes them as they are.
public struct ProcessCheckpoint<Key: StableHashable & Codable, State: Codable & Sendable>: Codable, Sendable {
    public var ranges: [Range<Int>]
    public var parts: [ProcessSnapshot<Key, State>]

    @inlinable
    public init(ranges: [Range<Int>], parts: [ProcessSnapshot<Key, State>]) {
        self.ranges = ranges
        self.parts = parts
    }

    /// One snapshot per range of `target`: the saved ones if the ranges are the same, else re-split by key group.
    public func split(into target: [Range<Int>], keyGroups: KeyGroups) -> [ProcessSnapshot<Key, State>] {
        if target == ranges { return parts }
        return ProcessSnapshot.redistribute(parts, keyGroups: keyGroups, into: target)
    }
}

/// The checkpointed form of a stateful operator's range: its per-key state and its timers.
public struct ProcessSnapshot<Key: StableHashable & Codable, State: Codable & Sendable>: Codable, Sendable {
    public var state: KeyedState<Key, State>
    public var timers: TimerQueue<Key>

    @inlinable
    public init(state: KeyedState<Key, State>, timers: TimerQueue<Key>) {
        self.state = state
        self.timers = timers
    }

    /// The snapshots of some ranges re-split into one per range of `ranges` (by key group).
    public static func redistribute(_ parts: [ProcessSnapshot], keyGroups: KeyGroups, into ranges: [Range<Int>]) -> [ProcessSnapshot] {
        let state = KeyedState.merged(parts.map(\.state), keyGroups: keyGroups)
        var timers = TimerQueue<Key>()
        for part in parts { for timer in part.timers.timers { timers.insert(timer) } }
        return ranges.map { ProcessSnapshot(state: state.restricted(to: $0), timers: timers.restricted(to: $0)) }
    }
}

/// One range of key groups of a stateful step, as a long-lived actor: the user's operator and
/// its timers, called once per batch.
@usableFromInline
struct ProcessRange<Function: KeyedProcessFunction>: RuntimeActor {
    @usableFromInline struct Initial: Sendable {
        @usableFromInline var function: Function
        @usableFromInline var timers: TimerQueue<Function.Key>

        @inlinable init(function: Function, timers: TimerQueue<Function.Key>) {
            self.function = function
            self.timers = timers
        }
    }

    @usableFromInline var function: Function
    @usableFromInline var timers: TimerQueue<Function.Key>
    @usableFromInline let keyGroups: KeyGroups

    @inlinable
    init(restoring initial: (Initial, KeyGroups)?) throws {
        guard let (start, groups) = initial else { throw MissingInitialState() }
        function = start.function
        timers = start.timers
        keyGroups = groups
    }

    @inlinable
    func snapshot() -> (Initial, KeyGroups) { (Initial(function: function, timers: timers), keyGroups) }

    /// The per-key state and timers, for a checkpoint.
    @inlinable
    func checkpointState() -> ProcessSnapshot<Function.Key, Function.State> {
        ProcessSnapshot(state: function.snapshot(), timers: timers)
    }

    /// Runs the range's records through the operator in order, firing event-time timers as the
    /// watermark before each record reaches them, then those the batch's end watermark and the
    /// clock (`now`) reach.
    @inlinable
    mutating func process(_ batch: RangeBatch<Function.Key, Function.Input>, timeline: WatermarkTimeline,
                          endWatermark: Int64, now: Int64) -> ProcessOutput<Function.Key, Function.Output> {
        var output = ProcessOutput<Function.Key, Function.Output>(timers: timers, keyGroups: keyGroups, now: now)
        timers = TimerQueue()
        // A timer set already due fires just after the record that set it, not before.
        var processed = timeline.firstPosition - 1
        let records = batch.records
        if !Function.setsTimers && output.timers.count == 0 {
            // No timer can come due between records (a checkpoint's old timers go record by record).
            function.process(records: KeyedRecords(batch), &output)
            precondition(output.timers.count == 0, "\(Function.self) set a timer but says it sets none (setsTimers is false)")
            processed = batch.members.last.map { batch.firstPosition + $0 } ?? processed
        } else {
            for index in batch.members {
                let watermark = records.watermarks[index]
                fireEventTimers(upTo: watermark, timeline: timeline, after: processed, into: &output)
                processed = batch.firstPosition + index
                let record = KeyedRecord(key: batch.keys[index], value: records.values[index], timestamp: records.timestamps[index],
                                         watermark: watermark, position: processed, keyGroup: batch.groups[index])
                function.process(record, &output)
            }
        }
        fireEventTimers(upTo: endWatermark, timeline: timeline, after: processed, into: &output)
        let last = timeline.firstPosition + timeline.watermarks.count - 1
        while let timer = output.timers.popDue(.processingTime, at: now) {
            output.firing = (timer, last)
            function.onTimer(timer, &output)
        }
        output.firing = nil
        swap(&timers, &output.timers)
        return output
    }

    @inlinable
    mutating func fireEventTimers(upTo watermark: Int64, timeline: WatermarkTimeline, after processed: Int,
                                  into output: inout ProcessOutput<Function.Key, Function.Output>) {
        while let timer = output.timers.popDue(.eventTime, at: watermark) {
            output.firing = (timer, max(timeline.firingPosition(of: timer.time), processed))
            output.firingWatermark = watermark
            function.onTimer(timer, &output)
        }
        output.firing = nil
    }
}

/// A range actor is always started with its operator.
@usableFromInline
struct MissingInitialState: Error {
    @inlinable init() {}
}
