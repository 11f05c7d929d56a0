/// A batch of records: the unit every step works on. Once event time is assigned, each record
/// also carries its timestamp and the watermark before it (made by the records read before
/// it), so steps that drop or repeat records keep time exact whatever the batch sizes.
///
/// ```swift
/// let doubled = batch.map { $0 * 2 }            // time columns kept
/// let positives = batch.filter { $0 > 0 }       // time columns filtered alike
/// ```
public struct RecordBatch<Value: Sendable>: Sendable {
    public var values: [Value]
    /// Each record's event time (empty before `eventTime` is assigned).
    public let timestamps: [Int64]
    /// The watermark before each record (empty before `eventTime` is assigned).
    public let watermarks: [Int64]
    /// The watermark after the batch's last record.
    public let endWatermark: Int64

    @inlinable
    public init(values: [Value]) {
        self.values = values
        timestamps = []
        watermarks = []
        endWatermark = EventTime.beginning
    }

    /// A batch with event time: each record's timestamp and the watermark before it, and the
    /// watermark after the last. For sources that assign event time themselves.
    @inlinable
    public init(values: [Value], timestamps: [Int64], watermarks: [Int64], endWatermark: Int64) {
        self.values = values
        self.timestamps = timestamps
        self.watermarks = watermarks
        self.endWatermark = endWatermark
    }

    @inlinable public var count: Int { values.count }
    @inlinable public var hasEventTime: Bool { timestamps.count == values.count && !values.isEmpty }

    // The loops below read the values by index through a buffer pointer rather than with an
    // iterator, whose `next()` hands out a copy of each record (a retain per text field). The
    // call to the user's closure still copies a record it is passed (Swift 6.3).

    /// Transforms each value, keeping its time.
    @inlinable
    public func map<Output>(_ transform: (Value) throws -> Output) rethrows -> RecordBatch<Output> {
        let mapped = try values.withUnsafeBufferPointer { values in
            try [Output](unsafeUninitializedCapacity: values.count) { out, initialized in
                for index in values.indices {
                    (out.baseAddress! + index).initialize(to: try transform(values[index]))
                    initialized += 1
                }
            }
        }
        return RecordBatch<Output>(values: mapped, timestamps: timestamps, watermarks: watermarks, endWatermark: endWatermark)
    }

    /// Keeps the records for which `isIncluded` is true, with their time.
    @inlinable
    public func filter(_ isIncluded: (Value) throws -> Bool) rethrows -> RecordBatch<Value> {
        var outValues: [Value] = []
        var outTimestamps: [Int64] = []
        var outWatermarks: [Int64] = []
        let timed = hasEventTime
        try values.withUnsafeBufferPointer { values in
            for index in values.indices where try isIncluded(values[index]) {
                outValues.append(values[index])
                if timed {
                    outTimestamps.append(timestamps[index])
                    outWatermarks.append(watermarks[index])
                }
            }
        }
        return RecordBatch(values: outValues, timestamps: outTimestamps, watermarks: outWatermarks, endWatermark: endWatermark)
    }

    /// Transforms each value, dropping those that give nil, keeping the time of the rest.
    @inlinable
    public func compactMap<Output>(_ transform: (Value) throws -> Output?) rethrows -> RecordBatch<Output> {
        var outValues: [Output] = []
        var outTimestamps: [Int64] = []
        var outWatermarks: [Int64] = []
        outValues.reserveCapacity(values.count)
        let timed = hasEventTime
        try values.withUnsafeBufferPointer { values in
            for index in values.indices {
                guard let produced = try transform(values[index]) else { continue }
                outValues.append(produced)
                if timed {
                    outTimestamps.append(timestamps[index])
                    outWatermarks.append(watermarks[index])
                }
            }
        }
        return RecordBatch<Output>(values: outValues, timestamps: outTimestamps, watermarks: outWatermarks,
                                   endWatermark: endWatermark)
    }

    /// Turns each value into any number of values, each with the time of the one it came from.
    @inlinable
    public func flatMap<Output>(_ transform: (Value) throws -> [Output]) rethrows -> RecordBatch<Output> {
        var outValues: [Output] = []
        var outTimestamps: [Int64] = []
        var outWatermarks: [Int64] = []
        outValues.reserveCapacity(values.count)
        let timed = hasEventTime
        try values.withUnsafeBufferPointer { values in
            for index in values.indices {
                let produced = try transform(values[index])
                outValues.append(contentsOf: produced)
                if timed {
                    for _ in produced.indices {
                        outTimestamps.append(timestamps[index])
                        outWatermarks.append(watermarks[index])
                    }
                }
            }
        }
        return RecordBatch<Output>(values: outValues, timestamps: outTimestamps, watermarks: outWatermarks,
                                   endWatermark: endWatermark)
    }
}
