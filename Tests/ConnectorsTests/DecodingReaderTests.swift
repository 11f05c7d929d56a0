import Foundation
import Stream
import StreamTesting
import Testing
@testable import Connectors

/// A large batch is decoded in slices on the runtime's workers: what comes out must be what
/// decoding it record by record gives, in offset order, bad records included.
@Suite struct DecodingReaderTests {
    /// One batch, as a Kafka poll returns it: runs of records from two partitions.
    final class OneBatch: SourceReader, @unchecked Sendable {
        // Safe: `sent` is touched only by `next`, which the engine calls one at a time.
        let records: [KafkaRecord]
        var sent = false

        init(records: [KafkaRecord]) {
            self.records = records
        }

        func next() async throws -> RecordBatch<KafkaRecord>? {
            if sent { return nil }
            sent = true
            return RecordBatch(values: records)
        }
    }

    static let bad: Set<Int> = [1_500, 1_501, 6_000, 9_999]

    /// 10,000 records in runs of 1,000 alternating between partitions 0 and 1; the records at
    /// `bad` do not decode.
    static func records() -> [KafkaRecord] {
        (0..<10_000).map { index in
            let partition = Int32(index / 1_000 % 2)
            let offset = Int64(index / 2_000 * 1_000 + index % 1_000)
            let value = bad.contains(index) ? "{\"user\":\"u\(index)\"" : "{\"time\":\(index),\"user\":\"u\(index)\"}"
            return KafkaRecord(topic: "clicks", partition: partition, offset: offset, key: nil, value: Array(value.utf8))
        }
    }

    static func source(deadLetters path: String?) -> Source<JSONClick> {
        let records = records()
        return Source("one batch, decoded", isPartitioned: true, deadLetters: path.map { .deadLetterFile($0) }) { context in
            DecodingReader(inner: OneBatch(records: records), context: context, makeDecode: {
                let decoder = SequentialJSONDecoder()
                return { bytes in try decoder.decode(JSONClick.self, from: bytes) }
            }, keepsDeadLetters: path != nil)
        }
    }

    @Test func slicesDecodedOnTheWorkersKeepOffsetOrderAndTheirBadRecords() async throws {
        let path = NSTemporaryDirectory() + "decoding-reader-\(UUID().uuidString.prefix(8)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = TestSink<JSONClick>()
        let job = Job("decode")
        job.source("clicks", Self.source(deadLetters: path)).sink("out", sink.sink)
        let summary = try await job.run(on: Runtime(workers: 2))
        #expect(summary.deadLetters == 4)
        let good = (0..<10_000).filter { !Self.bad.contains($0) }
        let expected = good.map { JSONClick(user: "u\($0)", time: Int64($0)) }
        #expect(sink.values.count == expected.count)
        // Where the output first differs from what decoding record by record gives, if it does.
        #expect(zip(sink.values, expected).enumerated().first { $1.0 != $1.1 }?.offset == nil)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let positions = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String] }.map { $0["position"]! }
        // Records 1,500 and 1,501 are partition 1's offsets 500 and 501; 6,000 partition 0's 3,000; 9,999 partition 1's 4,999.
        #expect(positions == ["clicks[1]@500", "clicks[1]@501", "clicks[0]@3000", "clicks[1]@4999"])
    }

    @Test func theFirstBadRecordInOffsetOrderStopsTheJob() async throws {
        let job = Job("decode")
        job.source("clicks", Self.source(deadLetters: nil)).sink("out", TestSink<JSONClick>().sink)
        let error = await #expect(throws: StreamError.self) { try await job.run(on: Runtime(workers: 2)) }
        #expect(error?.position == "clicks[1]@500")
        #expect(error?.record == "{\"user\":\"u1500\"")
    }
}
