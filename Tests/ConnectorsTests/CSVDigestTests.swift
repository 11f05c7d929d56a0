import Connectors
import Foundation
import Operators
import Stream
import StreamTesting
import Testing

/// The fingerprint `.csvDigest` sinks keep: the same multiset of lines gives the same digest in
/// any order; a changed, missing or repeated line changes it.
@Suite struct CSVDigestTests {
    static func digest(_ lines: [String]) -> CSVDigest {
        var digest = CSVDigest()
        for line in lines { digest.add(line) }
        return digest
    }

    @Test func theOrderOfTheLinesDoesNotMatterButEachLineDoes() {
        let lines = ["1,2", "3,4", "1700000000000,abcdefghijklmnopqrstuvwxyz", ""]
        let digest = Self.digest(lines)
        #expect(digest.rows == 4)
        #expect(Self.digest(lines.reversed()) == digest)
        #expect(Self.digest(["1,2", "3,5", "1700000000000,abcdefghijklmnopqrstuvwxyz", ""]) != digest)
        #expect(Self.digest(Array(lines.dropLast())) != digest)
        #expect(Self.digest(lines + ["3,4"]) != digest)
        #expect(Self.digest(["2,1", "4,3", "1700000000000,abcdefghijklmnopqrstuvwxyz", ""]) != digest, "the bytes' order within a line counts")
    }

    @Test func aBufferOfLinesGivesWhatItsLinesGiveOneByOne() {
        let lines = (0..<1_000).map { "\($0),\(String(repeating: "x", count: $0 % 37))" }
        var fromBuffer = CSVDigest()
        Array((lines.joined(separator: "\n") + "\n").utf8).withUnsafeBytes { fromBuffer.add(lines: $0) }
        #expect(fromBuffer == Self.digest(lines))
    }

    @Test func itsTextReadsBack() {
        let digest = Self.digest(["a", "b"])
        #expect(CSVDigest(digest.description) == digest)
        #expect(CSVDigest("rows=x digest=0") == nil)
    }
}

/// A `.csvDigest` sink stopped half-way with a checkpoint and restored ends with the digest of
/// exactly the rows an uninterrupted run formats: none lost, none counted twice.
@Suite struct CSVDigestSinkTests {
    struct Row: CSVEncodable {
        var number: Int
        func encode(csv line: inout CSVLine) {
            line.append(number)
            line.append("row \(number)")
        }
    }

    static func job(_ count: Int, output: String, stopAt: Int? = nil, control: RunControl? = nil) -> Job {
        let job = Job("digest")
        job.source("numbers", .records(Array(0..<count), batchSize: 100))
            .transform("stop-at") { batch in
                if let stopAt, let last = batch.values.last, last >= stopAt { control?.stop() }
                return batch
            }
            .map { Row(number: $0) }
            .sink("digest", .csvDigest(output))
        return job
    }

    @Test func aStoppedAndRestoredRunEndsWithTheUninterruptedDigest() async throws {
        let directory = NSTemporaryDirectory() + "csv-digest-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = "\(directory)/rows.digest"
        var expected = CSVDigest()
        for number in 0..<10_000 { expected.add("\(number),row \(number)") }

        let control = RunControl()
        let stopped = try await Self.job(10_000, output: output, stopAt: 4_000, control: control)
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: "\(directory)/state", checkpointInterval: .seconds(3600),
                                                               control: control))
        #expect(stopped.recordsRead < 10_000)
        let partial = CSVDigest(try String(contentsOfFile: output, encoding: .utf8))
        #expect(partial != nil && partial!.rows == Int64(stopped.recordsRead))

        let resumed = try await Self.job(10_000, output: output)
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: "\(directory)/state", restore: .latest))
        #expect(stopped.recordsRead + resumed.recordsRead == 10_000)
        #expect(CSVDigest(try String(contentsOfFile: output, encoding: .utf8)) == expected)
    }
}
