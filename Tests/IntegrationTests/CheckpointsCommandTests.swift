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

    /// The case: w1-windows checkpointed with 1 s windows, restored with 2 s ones, used to
    /// write a mixture. `checkpoints diff` says why it cannot be, and `run --restore` refuses it.
    @Test func diffAndRestoreRefuseAChangedWindowButNotAChangedOutputPath() throws {
        let root = NSTemporaryDirectory() + "checkpoints-diff-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = ["run", "w1-windows", "--set", "events=5000", "--checkpoint-dir", "\(root)/state", "--quiet"]
        let first = try StreamJobBinary.run(run + ["--set", "output=\(root)/a.csv"])
        #expect(first.status == 0, "\(first.error)")
        let location = ["--from", "chk-1", "--dir", "\(root)/state", "--set", "events=5000"]

        let changed = try StreamJobBinary.run(["checkpoints", "diff", "w1-windows"] + location + ["--set", "window-ms=2000", "--set", "output=\(root)/b.csv"])
        #expect(changed.status == 1)
        #expect(changed.output.contains("REFUSED step 'per-window' changed from tumbling(1000 ms), allowed lateness 0 ms to tumbling(2000 ms)"), "\(changed.output)")
        #expect(changed.output.contains("setting 'window-ms' changed: 1000 → 2000"))
        #expect(changed.output.contains("a restore would be refused (1 reason)"))
        let refused = try StreamJobBinary.run(run + ["--set", "output=\(root)/b.csv", "--set", "window-ms=2000", "--restore", "latest"])
        #expect(refused.status != 0)
        #expect(refused.error.contains("does not fit this pipeline") && refused.error.contains("step 'per-window' changed"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: "\(root)/b.csv"), "a refused restore writes nothing")

        let moved = try StreamJobBinary.run(["checkpoints", "diff", "w1-windows"] + location + ["--set", "output=\(root)/b.csv"])
        #expect(moved.status == 0)
        #expect(moved.output.contains("ok      step 'per-window': state restored unchanged"), "\(moved.output)")
        #expect(moved.output.contains("a restore would be accepted"))
        #expect(try StreamJobBinary.run(run + ["--set", "output=\(root)/b.csv", "--restore", "latest"]).status == 0)
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

/// What an operator meets when checkpoints are corrupt, half removed, missing or another job's.
@Suite struct CheckpointHousekeepingTests {
    func root(_ name: String = #function) -> String {
        NSTemporaryDirectory() + "housekeeping-\(UUID().uuidString.prefix(8))"
    }

    func corrupt(_ store: CheckpointStore, _ id: Int) throws {
        try Data([9, 9, 9]).write(to: URL(fileURLWithPath: "\(store.path(of: id))/state-0.bin"))
    }

    @Test func gcNeverRemovesTheLastGoodCheckpoint() throws {
        let root = root()
        let store = CheckpointStore(root: root, job: "clicks", retain: 10)
        for id in 1...3 { try store.write(id: id, watermark: Int64(id), sources: [:], states: ["w": [1, 2, 3]]) }
        try corrupt(store, 3)
        let outcome = try StreamJobBinary.run(["checkpoints", "gc", "--dir", root, "--job", "clicks", "--retain", "1"])
        #expect(outcome.status == 0)
        #expect(try store.ids() == [2, 3], "the newest intact one (chk-2) stays, and the corrupt newer one for a restore to name")
        #expect(outcome.output.contains("removed chk-1"))
    }

    @Test func aHalfRemovedCheckpointIsALeftoverNotACorruptCheckpoint() throws {
        let root = root()
        let store = CheckpointStore(root: root, job: "clicks", retain: 10)
        try store.write(id: 1, watermark: 1, sources: [:], states: ["w": [1]])
        try store.write(id: 2, watermark: 2, sources: [:], states: ["w": [2]])
        // What a kill during removal leaves: the checkpoint renamed aside, some files gone.
        try FileManager.default.moveItem(atPath: store.path(of: 1), toPath: store.path(of: 1) + ".tmp-removing")
        try FileManager.default.removeItem(atPath: store.path(of: 1) + ".tmp-removing/manifest.json")
        let list = try StreamJobBinary.run(["checkpoints", "list", "--dir", root, "--job", "clicks"])
        #expect(!list.output.contains("CORRUPT") && !list.output.contains("chk-1"))
        #expect(try StreamJobBinary.run(["checkpoints", "verify", "--dir", root, "--job", "clicks"]).status == 0)
        _ = try StreamJobBinary.run(["checkpoints", "gc", "--dir", root, "--job", "clicks"])
        #expect(!FileManager.default.fileExists(atPath: store.path(of: 1) + ".tmp-removing"))
    }

    @Test func verifyWithNothingToVerifySaysSoAndFails() throws {
        let outcome = try StreamJobBinary.run(["checkpoints", "verify", "--dir", root(), "--job", "nothing"])
        #expect(outcome.status == 1)
        #expect(outcome.output.contains("no checkpoints of job 'nothing'"))
        #expect(!outcome.output.contains("ExitCode") && !outcome.error.contains("ExitCode"))
    }

    @Test func listShowsNoWatermarkAsNoneAndMarksWhatLatestRestores() throws {
        let root = root()
        let store = CheckpointStore(root: root, job: "clicks")
        try store.write(id: 1, watermark: EventTime.beginning, sources: [:], states: [:])
        try store.write(id: 2, watermark: 5, sources: [:], states: ["w": [1]])
        try corrupt(store, 2)
        let list = try StreamJobBinary.run(["checkpoints", "list", "--dir", root, "--job", "clicks"])
        #expect(list.output.contains("watermark none"))
        #expect(!list.output.contains("-9223372036854775808"))
        #expect(list.output.split(separator: "\n").first { $0.hasPrefix("chk-2") }?.contains("CORRUPT") == true)
        let verify = try StreamJobBinary.run(["checkpoints", "verify", "--dir", root, "--job", "clicks"])
        #expect(verify.status == 1 && !verify.error.contains("ExitCode"))
    }

    /// A small W1 input for restore runs.
    func input(_ directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/in.csv"
        try (0..<500).map { "\(1_700_000_000_000 + $0 * 10),k\($0 % 7),1" }.joined(separator: "\n").appending("\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aCorruptNewestCheckpointIsNamedWithTheOneToRestoreInstead() throws {
        let directory = root()
        let input = try input(directory)
        let run = ["run", "w1-windows", "--set", "input=\(input)", "--set", "output=\(directory)/out.csv", "--checkpoint-dir", "\(directory)/state"]
        #expect(try StreamJobBinary.run(run).status == 0)
        let store = CheckpointStore(root: "\(directory)/state", job: "w1-windows")
        let ids = try store.ids()
        #expect(ids.count >= 2)
        try corrupt(store, ids.last!)
        let refused = try StreamJobBinary.run(run + ["--restore", "latest"])
        #expect(refused.status == 1)
        #expect(refused.error.contains("the newest checkpoint, chk-\(ids.last!), cannot be restored"), "\(refused.error)")
        #expect(refused.error.contains("`--restore chk-\(ids[ids.count - 2])` (or `--restore latest-valid`)"))
        let fallback = try StreamJobBinary.run(run + ["--restore", "latest-valid"])
        #expect(fallback.status == 0, "\(fallback.error)")
        #expect(fallback.error.contains("restoring job 'w1-windows' from chk-\(ids[ids.count - 2])"), "the log says which checkpoint was used")
    }

    @Test func anotherJobsCheckpointsAreWarnedAboutAndARefusedRestoreWritesNoOutput() throws {
        let directory = root()
        let input = try input(directory)
        let other = CheckpointStore(root: "\(directory)/state", job: "someone-else")
        try other.write(id: 1, watermark: 0, sources: [:], states: [:])
        let fresh = try StreamJobBinary.run(["run", "w1-windows", "--set", "input=\(input)", "--set", "output=\(directory)/a.csv",
                                             "--checkpoint-dir", "\(directory)/state", "--restore", "latest"])
        #expect(fresh.status == 0)
        #expect(fresh.error.contains("warning") && fresh.error.contains("holds checkpoints of 'someone-else'"), "\(fresh.error)")

        // A checkpoint of this job's name that does not match the pipeline: refused before any output is made.
        let mismatched = CheckpointStore(root: "\(directory)/other-state", job: "w1-windows")
        try mismatched.write(id: 1, watermark: 0, sources: ["elsewhere": "0"], states: ["no-such-step": [1]])
        let refused = try StreamJobBinary.run(["run", "w1-windows", "--set", "input=\(input)", "--set", "output=\(directory)/b.csv",
                                               "--checkpoint-dir", "\(directory)/other-state", "--restore", "latest"])
        #expect(refused.status == 1)
        #expect(refused.error.contains("does not match this pipeline"))
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/b.csv"), "no empty output file")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/b.csv.late"))
    }
}
