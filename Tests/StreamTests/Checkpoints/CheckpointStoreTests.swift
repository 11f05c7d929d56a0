import Foundation
import Testing
@testable import Stream

@Suite struct CheckpointStoreTests {
    func freshStore(retain: Int = 3, _ name: String = #function) throws -> CheckpointStore {
        let root = NSTemporaryDirectory() + "checkpoint-tests/\(name.filter(\.isLetter))-\(UUID().uuidString.prefix(8))"
        return CheckpointStore(root: root, job: "clicks", retain: retain)
    }

    func corrupt(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func crc32cGivesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // 32 zero bytes: a check value from RFC 3720 (iSCSI), long enough for the eight-byte steps.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    }

    @Test func crc32cEightBytesAStepMatchesOneByteAStep() {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<4_099).map { _ in UInt8.random(in: 0...255, using: &random) }
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1_000, 4_099] {
            let prefix = Array(bytes.prefix(length))
            // A sequence without contiguous storage takes the one-byte-a-step path.
            #expect(CRC32C.checksum(prefix) == CRC32C.checksum(AnySequence(prefix)), "length \(length)")
        }
    }

    @Test func writtenCheckpointReadsBackWithEverything() throws {
        let store = try freshStore()
        let states: [String: [UInt8]] = ["per-minute": Array("window state".utf8), "dedupe": [0, 1, 2, 255], "empty": []]
        let written = try store.write(id: 1, watermark: 1_700_000_000_000, sources: ["clicks": "clicks.csv@1042"],
                                      states: states, createdAt: 42)
        let read = try store.read(id: 1)
        #expect(read.manifest == written)
        #expect(read.states == states)
        #expect(read.manifest.sources == ["clicks": "clicks.csv@1042"])
        #expect(read.manifest.job == "clicks" && read.manifest.id == 1 && read.manifest.createdAt == 42)
        #expect(try store.nextID() == 2)
    }

    @Test func onlyTheNewestCheckpointsAreKept() throws {
        let store = try freshStore(retain: 2)
        for id in 1...5 { try store.write(id: id, watermark: Int64(id), sources: [:], states: ["s": [UInt8(id)]]) }
        #expect(try store.ids() == [4, 5])
        #expect(try store.latest()?.states["s"] == [5])
    }

    @Test func aCheckpointAwaitingItsCommitsIsRestorableOnlyOnceTheyCompleted() throws {
        let store = try freshStore(retain: 1)
        try store.write(id: 1, watermark: 0, sources: [:], states: [:], awaitsCommitted: true)
        #expect(throws: CheckpointError.uncommitted("chk-1")) { try store.read(id: 1) }
        #expect(try store.latest() == nil)
        #expect(store.verify(id: 1).first?.contains("cannot be restored") == true)
        try store.confirmCommitted(id: 1)
        #expect(store.verify(id: 1).isEmpty)
        // chk-2 waits for its commits: chk-1 stays, though only one is retained, to fall back to.
        try store.write(id: 2, watermark: 0, sources: [:], states: [:], awaitsCommitted: true)
        #expect(try store.ids() == [1, 2])
        #expect(try store.latest()?.manifest.id == 1)
        try store.confirmCommitted(id: 2)
        #expect(try store.latest()?.manifest.id == 2)
        try store.write(id: 3, watermark: 0, sources: [:], states: [:])
        #expect(try store.ids() == [3])
    }

    @Test func aFlippedBitInAStateFileIsNamed() throws {
        let store = try freshStore()
        try store.write(id: 1, watermark: 0, sources: [:], states: ["per-minute": Array(repeating: 7, count: 1000)])
        let file = "\(store.path(of: 1))/state-0.bin"
        try corrupt(file) { $0[500] ^= 0x10 }
        #expect(throws: CheckpointError.self) { try store.read(id: 1) }
        let problems = store.verify(id: 1)
        #expect(problems.count == 1)
        #expect(problems[0].contains(file) && problems[0].contains("checksum"))
    }

    @Test func aTruncatedStateFileIsNamed() throws {
        let store = try freshStore()
        try store.write(id: 1, watermark: 0, sources: [:], states: ["per-minute": Array(repeating: 7, count: 1000)])
        try corrupt("\(store.path(of: 1))/state-0.bin") { $0.removeLast(10) }
        let problems = store.verify(id: 1)
        #expect(problems.first?.contains("990 bytes, the manifest says 1000 (truncated?)") == true)
    }

    @Test func aTamperedManifestIsDetected() throws {
        let store = try freshStore()
        try store.write(id: 1, watermark: 5, sources: ["clicks": "a@1"], states: [:])
        try corrupt("\(store.path(of: 1))/manifest.json") { bytes in
            bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "a@1", with: "a@9").utf8)
        }
        #expect(store.verify(id: 1).first?.contains("manifest.json is corrupt") == true)
    }

    @Test func aHalfWrittenCheckpointIsIgnoredAndCleanedUp() throws {
        let store = try freshStore()
        try store.write(id: 1, watermark: 0, sources: [:], states: ["s": [1]])
        // What a crash in the middle of writing checkpoint 2 leaves behind.
        let leftover = "\(store.path(of: 2)).tmp-123"
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(leftover)/state-0.bin"))
        #expect(try store.ids() == [1])
        #expect(try store.latest()?.manifest.id == 1)
        try store.write(id: 2, watermark: 0, sources: [:], states: ["s": [2]])
        #expect(!FileManager.default.fileExists(atPath: leftover), "pruned")
        #expect(try store.ids() == [1, 2])
    }

    @Test func aCorruptNewestCheckpointIsRefusedUnlessFallingBackIsAskedFor() throws {
        let store = try freshStore()
        try store.write(id: 1, watermark: 0, sources: [:], states: ["s": [1, 1]])
        try store.write(id: 2, watermark: 0, sources: [:], states: ["s": [2, 2]])
        try corrupt("\(store.path(of: 2))/state-0.bin") { $0[0] = 9 }
        #expect(throws: CheckpointError.self) { try store.latest() }
        #expect(try store.latest(fallingBack: true)?.manifest.id == 1)
    }

    @Test func aCheckpointNumberIsNeverReused() throws {
        let store = try freshStore()
        try store.write(id: 3, watermark: 0, sources: [:], states: [:])
        #expect(throws: CheckpointError.self) { try store.write(id: 3, watermark: 0, sources: [:], states: [:]) }
    }
}
