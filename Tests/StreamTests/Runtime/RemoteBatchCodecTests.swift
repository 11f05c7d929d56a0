@testable import Stream
import Testing

/// How isolated steps' batches travel: both codecs give back the batch they were given, time
/// columns and all, and a batch split in two and joined again is the batch.
struct RemoteBatchCodecTests {
    struct Compact: BinaryRecord, Equatable {
        var time: Int64
        var name: String
        var ratio: Double
        var flag: Bool

        func write(to writer: inout BinaryWriter) {
            writer.write(time)
            writer.write(name)
            writer.write(ratio)
            writer.write(flag)
        }

        init(time: Int64, name: String, ratio: Double, flag: Bool) {
            (self.time, self.name, self.ratio, self.flag) = (time, name, ratio, flag)
        }

        init(from reader: inout BinaryReader) throws {
            time = try reader.readInt64()
            name = try reader.readString()
            ratio = try reader.readDouble()
            flag = try reader.readBool()
        }
    }

    struct General: Codable, Sendable, Equatable {
        var name: String
        var counts: [Int]
    }

    static let timed = RecordBatch(values: [Compact(time: 5, name: "é ü", ratio: 0.25, flag: true),
                                            Compact(time: -7, name: "", ratio: -1e300, flag: false),
                                            Compact(time: 9, name: String(repeating: "x", count: 300), ratio: 3, flag: true)],
                                   timestamps: [5, -7, 9], watermarks: [1, 2, 2], endWatermark: 4)

    @Test func aBinaryRecordBatchComesBackWhole() throws {
        let codec = try #require(RemoteBatchCodec<Compact>.forRecords)
        let back = try codec.decode(try codec.encode(Self.timed, "step")[...], "step")
        #expect(back.values == Self.timed.values)
        #expect(back.timestamps == Self.timed.timestamps)
        #expect(back.watermarks == Self.timed.watermarks)
        #expect(back.endWatermark == 4)
        let bytes = try codec.encode(Self.timed, "step")
        #expect(throws: StreamError.self) { try codec.decode(bytes.dropLast(3), "step") }
    }

    @Test func aCodableBatchWithoutTimeComesBackWhole() throws {
        let codec = try #require(RemoteBatchCodec<General>.forRecords)
        let batch = RecordBatch(values: [General(name: "a", counts: [1, 2]), General(name: "b", counts: [])])
        let back = try codec.decode(try codec.encode(batch, "step")[...], "step")
        #expect(back.values == batch.values)
        #expect(back.timestamps.isEmpty && !back.hasEventTime)
    }

    @Test func recordsThatAreNeitherHaveNoCodec() {
        struct Opaque: Sendable { let value: Int }
        #expect(RemoteBatchCodec<Opaque>.forRecords == nil)
    }

    @Test func aSplitBatchJoinedAgainIsTheBatch() {
        for cut in 0...Self.timed.count {
            let (front, back) = Self.timed.split(at: cut)
            #expect(front.count == cut)
            // The front ends at the watermark before the back's first record.
            if cut < Self.timed.count { #expect(front.endWatermark == Self.timed.watermarks[cut]) }
            let joined = front.followed(by: back)
            #expect(joined.values == Self.timed.values)
            #expect(joined.timestamps == Self.timed.timestamps)
            #expect(joined.watermarks == Self.timed.watermarks)
            #expect(joined.endWatermark == Self.timed.endWatermark)
        }
    }
}
