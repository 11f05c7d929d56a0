import Foundation
import Stream
import Testing

@Suite struct CheckpointsCommandTests {
    @Test func listInspectAndVerifyReportWhatIsThereAndWhatIsCorrupt() throws {
        let root = NSTemporaryDirectory() + "checkpoints-cli-\(UUID().uuidString.prefix(8))"
        let store = CheckpointStore(root: root, job: "clicks")
        try store.write(id: 1, watermark: 100, sources: ["clicks": "clicks.csv@10"], states: ["per-minute": [1, 2, 3]])
        try store.write(id: 2, watermark: 200, sources: ["clicks": "clicks.csv@20"], states: ["per-minute": [4, 5, 6]])
        let location = ["--dir", root, "--job", "clicks"]

        let list = try StreamJobBinary.run(["checkpoints", "list"] + location)
        #expect(list.status == 0)
        #expect(list.output.contains("chk-1") && list.output.contains("chk-2"))
        #expect(list.output.contains("1 states, 3 bytes  ok"))

        let inspect = try StreamJobBinary.run(["checkpoints", "inspect", "chk-2"] + location)
        #expect(inspect.output.contains("source clicks: clicks.csv@20"))
        #expect(inspect.output.contains("watermark 200"))

        #expect(try StreamJobBinary.run(["checkpoints", "verify"] + location).status == 0)
        let file = "\(store.path(of: 2))/state-0.bin"
        try Data([4, 5, 7]).write(to: URL(fileURLWithPath: file))
        let verify = try StreamJobBinary.run(["checkpoints", "verify"] + location)
        #expect(verify.status == 1)
        #expect(verify.output.contains("chk-1: intact"))
        #expect(verify.output.contains("chk-2: checkpoint file \(file) is corrupt"))

        let bad = try StreamJobBinary.run(["checkpoints", "inspect", "seven"] + location)
        #expect(bad.status == 2)
        #expect(bad.error.contains("'seven' is not a checkpoint; write chk-<n>"))
    }

    @Test func gcKeepsTheNewestAndRemovesLeftovers() throws {
        let root = NSTemporaryDirectory() + "checkpoints-gc-\(UUID().uuidString.prefix(8))"
        let store = CheckpointStore(root: root, job: "clicks", retain: 10)
        for id in 1...4 { try store.write(id: id, watermark: 0, sources: [:], states: [:]) }
        try FileManager.default.createDirectory(atPath: "\(root)/clicks/chk-5.tmp-123", withIntermediateDirectories: true)
        let outcome = try StreamJobBinary.run(["checkpoints", "gc", "--dir", root, "--job", "clicks", "--retain", "2"])
        #expect(outcome.status == 0)
        #expect(outcome.output.contains("removed chk-1") && outcome.output.contains("removed chk-2"))
        #expect(try store.ids() == [3, 4])
        #expect(!FileManager.default.fileExists(atPath: "\(root)/clicks/chk-5.tmp-123"))
        let refused = try StreamJobBinary.run(["checkpoints", "gc", "--dir", root, "--job", "clicks", "--retain", "0"])
        #expect(refused.status == 2)
    }
}
