/// A batch as it travels to a worker and back: its values (with the engine's state codec) and
/// its time columns.
struct RemoteBatch<Value: Codable & Sendable>: Codable {
    var values: [Value]
    var timestamps: [Int64]
    var watermarks: [Int64]
    var endWatermark: Int64
}

/// Encodes and decodes whole batches of a record type that is a ``BinaryRecord`` (compact,
/// preferred) or `Codable` — found at run time, because steps are generic over any `Sendable`
/// record and only those can be isolated.
///
/// ```swift
/// if let codec = RemoteBatchCodec<Click>.forRecords { let bytes = try codec.encode(batch, "parse") }
/// ```
@usableFromInline
struct RemoteBatchCodec<Value: Sendable>: Sendable {
    let encode: @Sendable (RecordBatch<Value>, String) throws -> [UInt8]
    let decode: @Sendable (ArraySlice<UInt8>, String) throws -> RecordBatch<Value>
    /// One record on its own, for a dead-letter line.
    let encodeRecord: @Sendable (Value, String) throws -> [UInt8]

    /// The codec, when `Value` is a `BinaryRecord` or `Codable`.
    @usableFromInline
    static var forRecords: RemoteBatchCodec? {
        if let binary = Value.self as? any BinaryRecord.Type { return binaryCodec(binary) }
        if let codable = Value.self as? any (Codable & Sendable).Type { return codableCodec(codable) }
        return nil
    }

    private static func codableCodec<C: Codable & Sendable>(_: C.Type) -> RemoteBatchCodec {
        // `C` is `Value` itself (the cast above proved it conforms), so the arrays' layouts are one.
        RemoteBatchCodec(encode: { batch, step in
            let values = unsafeBitCast(batch.values, to: [C].self)
            return try StateCodec.encode(RemoteBatch(values: values, timestamps: batch.timestamps, watermarks: batch.watermarks,
                                                     endWatermark: batch.endWatermark), step: step)
        }, decode: { bytes, step in
            let remote = try StateCodec.decode(RemoteBatch<C>.self, from: Array(bytes), step: step)
            return RecordBatch(values: unsafeBitCast(remote.values, to: [Value].self), timestamps: remote.timestamps,
                               watermarks: remote.watermarks, endWatermark: remote.endWatermark)
        }, encodeRecord: { value, step in
            try StateCodec.encode(unsafeBitCast(value, to: C.self), step: step)
        })
    }

    /// Count, time columns, end watermark, then each record as it writes itself.
    private static func binaryCodec<B: BinaryRecord>(_: B.Type) -> RemoteBatchCodec {
        RemoteBatchCodec(encode: { batch, _ in
            let values = unsafeBitCast(batch.values, to: [B].self)
            var writer = BinaryWriter(capacity: 32 + values.count * 48)
            writer.write(values.count)
            writer.write(batch.timestamps.count)
            for time in batch.timestamps { writer.write(time) }
            writer.write(batch.watermarks.count)
            for watermark in batch.watermarks { writer.write(watermark) }
            writer.write(batch.endWatermark)
            for value in values { value.write(to: &writer) }
            return writer.bytes
        }, decode: { bytes, step in
            var reader = BinaryReader(Array(bytes))
            do {
                let count = try reader.readCount(ofItemsSized: 1)
                var timestamps: [Int64] = []
                var watermarks: [Int64] = []
                let timed = try reader.readCount(ofItemsSized: 8)
                timestamps.reserveCapacity(timed)
                for _ in 0..<timed { timestamps.append(try reader.readInt64()) }
                let marked = try reader.readCount(ofItemsSized: 8)
                watermarks.reserveCapacity(marked)
                for _ in 0..<marked { watermarks.append(try reader.readInt64()) }
                let end = try reader.readInt64()
                var values: [B] = []
                values.reserveCapacity(count)
                for _ in 0..<count { values.append(try B(from: &reader)) }
                return RecordBatch(values: unsafeBitCast(values, to: [Value].self), timestamps: timestamps, watermarks: watermarks, endWatermark: end)
            } catch {
                throw StreamError(.io, step: step, action: "decoding a batch from a worker", message: "\(error)")
            }
        }, encodeRecord: { value, _ in
            var writer = BinaryWriter()
            unsafeBitCast(value, to: B.self).write(to: &writer)
            return writer.bytes
        })
    }
}

extension RecordBatch {
    /// The first `count` records and the rest, each keeping its records' times; the first
    /// part ends at the watermark before the rest's first record.
    func split(at count: Int) -> (RecordBatch, RecordBatch) {
        let timed = hasEventTime
        let front = RecordBatch(values: Array(values[..<count]), timestamps: timed ? Array(timestamps[..<count]) : [],
                                watermarks: timed ? Array(watermarks[..<count]) : [],
                                endWatermark: timed && count < self.count ? watermarks[count] : endWatermark)
        let back = RecordBatch(values: Array(values[count...]), timestamps: timed ? Array(timestamps[count...]) : [],
                               watermarks: timed ? Array(watermarks[count...]) : [], endWatermark: endWatermark)
        return (front, back)
    }

    /// This batch, then `next` (whose watermark ends the result).
    func followed(by next: RecordBatch) -> RecordBatch {
        if values.isEmpty { return next }
        if next.values.isEmpty { return RecordBatch(values: values, timestamps: timestamps, watermarks: watermarks, endWatermark: next.endWatermark) }
        let timed = hasEventTime && next.hasEventTime
        return RecordBatch(values: values + next.values, timestamps: timed ? timestamps + next.timestamps : [],
                           watermarks: timed ? watermarks + next.watermarks : [], endWatermark: next.endWatermark)
    }

    /// No records, ending at `watermark`.
    static func empty(endingAt watermark: Int64) -> RecordBatch {
        RecordBatch(values: [], timestamps: [], watermarks: [], endWatermark: watermark)
    }
}
