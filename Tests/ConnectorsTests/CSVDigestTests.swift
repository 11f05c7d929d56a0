import Connectors
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
