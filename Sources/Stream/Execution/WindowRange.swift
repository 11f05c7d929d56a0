/// What one range gives back for a batch.
@usableFromInline
struct RangeOutput<Key: Sendable, Output: Sendable>: Sendable {
    @usableFromInline var emissions: [WindowEmission<Key, Output>] = []
    @usableFromInline var latePositions: [Int] = []
    /// Windows this range holds state for after the batch (sessions: keys with an open session).
    @usableFromInline var openWindows = 0
    /// The end of the earliest window this range has still to fire.
    @usableFromInline var nextWindowEnd: Int64?

    @inlinable init() {}
}

/// The windows of one range of key groups, as a long-lived actor on the runtime: one per range,
/// not one per key, called once per batch.
@usableFromInline
struct WindowRange<Key: StableHashable, Agg: Aggregator>: RuntimeActor where Agg.Input: Sendable {
    @usableFromInline struct MissingState: Error {
        @inlinable init() {}
    }

    @usableFromInline var state: KeyedWindowState<Key, Agg>

    @inlinable
    init(restoring snapshot: KeyedWindowState<Key, Agg>?) throws {
        guard let snapshot else { throw MissingState() }
        state = snapshot
    }

    @inlinable
    func snapshot() -> KeyedWindowState<Key, Agg> { state }

    /// Adds the batch's records in order, then fires what the batch's end watermark reached.
    @inlinable
    mutating func process(_ batch: RangeBatch<Key, Agg.Input>, endWatermark: Int64) -> RangeOutput<Key, Agg.Output> {
        var output = RangeOutput<Key, Agg.Output>()
        let records = batch.records
        for index in batch.members {
            let accepted = state.add(records.values[index], key: batch.keys[index], hash: batch.hashes[index],
                                     keyGroup: batch.groups[index],
                                     timestamp: records.timestamps[index], watermark: records.watermarks[index],
                                     position: batch.firstPosition + index, into: &output.emissions)
            if !accepted { output.latePositions.append(batch.firstPosition + index) }
        }
        state.advance(to: endWatermark, into: &output.emissions)
        output.openWindows = state.openWindowEstimate
        output.nextWindowEnd = state.nextWindowEnd
        return output
    }
}
