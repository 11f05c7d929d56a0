import Foundation
import Stream
import StreamTesting
import Testing

/// `isolated-scores`: user code in worker processes. A record that makes it trap, loop or
/// allocate without bound goes to the dead letters with the cause, and the output is byte for
/// byte that of a run without the record; workers killed from outside, and the job killed
/// while its workers run, lose and double nothing.
@Suite(.serialized) struct IsolationTests {
    static let poisonLine = 54_321

    /// 100,000 events, in order with a little disorder; line `poisonLine` has the key `poison`.
    static func writeInput(_ path: String, withPoison: Bool) throws {
        var text = ""
        text.reserveCapacity(2_500_000)
        for index in 0..<100_000 {
            if index == poisonLine && !withPoison { continue }
            let key = index == poisonLine ? "poison" : "k\(index % 500)"
            text += "\(1_700_000_000_000 + index * 3 - (index % 7) * 5),\(key),\(index % 1000)\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    struct Directory {
        let path: String
        init(_ name: String) throws {
            path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try IsolationTests.writeInput("\(path)/events.csv", withPoison: true)
            try IsolationTests.writeInput("\(path)/clean.csv", withPoison: false)
        }
        func read(_ name: String) -> String { (try? String(contentsOfFile: "\(path)/\(name)", encoding: .utf8)) ?? "" }
    }

    /// The output of the clean input, in the job's process (its dead letters in a file of their
    /// own: a fresh run starts its dead-letter file afresh).
    static func reference(in directory: Directory) async throws -> String {
        let run = try await OffPool.run { try StreamJobBinary.run(["run", "isolated-scores", "--set", "input=\(directory.path)/clean.csv",
                                                                 "--set", "output=\(directory.path)/reference.csv",
                                                                 "--set", "dead-letters=\(directory.path)/reference-poison.jsonl",
                                                                 "--worker-processes", "0", "--quiet"]) }
        #expect(run.status == 0, "\(run.error)")
        return directory.read("reference.csv")
    }

    @Test(arguments: [("trap", ["SIGILL", "SIGTRAP"], [String]()),
                      ("loop", ["time limit"], ["--set", "timeout-ms=400"]),
                      ("allocate", ["memory limit 512 MiB"], ["--worker-memory-limit", "512MiB"])])
    func aRecordThatKillsItsWorkerGoesToTheDeadLettersAndTheRestGoesOn(mode: String, causes: [String], extra: [String]) async throws {
        let directory = try Directory("isolation-\(mode)")
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let run = try await OffPool.run { try StreamJobBinary.run(["run", "isolated-scores", "--set", "input=\(directory.path)/events.csv",
                                                                 "--set", "output=\(directory.path)/scores.csv", "--set", "poison-key=poison",
                                                                 "--set", "poison=\(mode)", "--worker-processes", "2", "--quiet"] + extra) }
        #expect(run.status == 0, "\(run.error.suffix(3000))")
        #expect(run.error.contains("1 dead letters"), "\(run.error.suffix(3000))")
        let letters = directory.read("poison.jsonl").split(separator: "\n")
        #expect(letters.count == 1)
        let letter = try JSONSerialization.jsonObject(with: Data((letters.first ?? "{}").utf8)) as? [String: Any] ?? [:]
        #expect(letter["step"] as? String == "score")
        #expect(letter["source"] as? String == "events")
        #expect((letter["record"] as? String)?.contains("key: \"poison\"") == true, "\(letter)")
        let cause = letter["cause"] as? String ?? ""
        #expect(causes.contains { cause.contains($0) }, "\(letter)")
        #expect(letter["record_base64"] as? String != nil)
        if mode == "trap" { #expect((letter["reason"] as? String)?.contains("Unexpectedly found nil") == true, "\(letter)") }
        let expected = try await Self.reference(in: directory)
        #expect(!expected.isEmpty)
        #expect(directory.read("scores.csv") == expected)
    }

    @Test func withoutDeadLettersThePoisonRecordStopsTheJobNamingIt() async throws {
        // An empty dead-letters setting gives the step none.
        let directory = try Directory("isolation-stop")
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let run = try await OffPool.run { try StreamJobBinary.run(["run", "isolated-scores", "--set", "input=\(directory.path)/events.csv",
                                                                 "--set", "output=\(directory.path)/scores.csv", "--set", "poison-key=poison",
                                                                 "--set", "dead-letters=", "--worker-processes", "2", "--quiet"]) }
        #expect(run.status == 1, "\(run.error.suffix(3000))")
        #expect(run.error.contains("step 'score'"), "\(run.error.suffix(3000))")
        #expect(run.error.contains("key: \"poison\""), "\(run.error.suffix(3000))")
        #expect(run.error.contains("source 'events'"), "\(run.error.suffix(3000))")
        #expect(run.error.contains("SIGILL") || run.error.contains("SIGTRAP"), "\(run.error.suffix(3000))")
    }

    @Test func workersKilledFromOutsideLoseAndDoubleNothing() async throws {
        let directory = try Directory("isolation-kill-workers")
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let job = try StreamJobProcess(["run", "isolated-scores", "--set", "input=\(directory.path)/clean.csv",
                                        "--set", "output=\(directory.path)/scores.csv", "--worker-processes", "2", "--quiet"],
                                       log: "\(directory.path)/job.log")
        let exited = try await OffPool.run {
            var killed = 0
            while killed < 4 && !job.waitForExit(seconds: 0.01) {
                for worker in Self.children(of: job.process.processIdentifier) {
                    kill(worker, SIGKILL)
                    killed += 1
                }
            }
            if !job.waitForExit(seconds: 120) { job.kill(SIGKILL) }
            return job.status
        }
        #expect(exited == 0, "\(directory.read("job.log").suffix(3000))")
        #expect(directory.read("scores.csv") == (try await Self.reference(in: directory)))
    }

    @Test func aJobKilledWhileItsWorkersRunRestoresExactlyOnceAndLeavesNoWorkerBehind() async throws {
        let directory = try Directory("isolation-kill-job")
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let arguments = ["run", "isolated-scores", "--set", "input=\(directory.path)/events.csv", "--set", "output=\(directory.path)/scores.csv",
                         "--set", "poison-key=poison", "--worker-processes", "2", "--checkpoint-dir", "\(directory.path)/state",
                         "--checkpoint-interval", "100ms", "--restore", "latest", "--quiet"]
        let log = "\(directory.path)/job.log"
        let (kills, orphans, status) = try await OffPool.run { () throws -> (Int, [Int32], Int32) in
            var kills = 0
            var orphans: [Int32] = []
            for attempt in 0..<12 where kills < 3 {
                let job = try StreamJobProcess(arguments, log: log)
                var workers: [Int32] = []
                while workers.isEmpty && !job.waitForExit(seconds: 0.005) { workers = Self.children(of: job.process.processIdentifier) }
                if job.waitForExit(seconds: 0.2 + 0.1 * Double(attempt % 4)) { break }
                job.kill(SIGKILL)
                kills += 1
                // Its workers see the job gone and end (polled: a process's end is not on any clock).
                for _ in 0..<500 where workers.contains(where: Self.isAlive) { usleep(10_000) }
                orphans += workers.filter(Self.isAlive)
            }
            let last = try StreamJobProcess(arguments, log: log)
            if !last.waitForExit(seconds: 120) { last.kill(SIGKILL) }
            return (kills, orphans, last.status)
        }
        #expect(kills == 3, "the job finished before it could be killed three times")
        #expect(orphans.isEmpty, "workers \(orphans) outlived the job")
        #expect(status == 0, "\(directory.read("job.log").suffix(3000))")
        #expect(directory.read("scores.csv") == (try await Self.reference(in: directory)))
        // One dead letter, however many runs met the record.
        #expect(directory.read("poison.jsonl").split(separator: "\n").count == 1, "\(directory.read("job.log").suffix(3000))")
    }

    @Test func checkpointsOfARunWithWorkersRestoreWithoutThemAndBack() async throws {
        let directory = try Directory("isolation-switch")
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let base = ["run", "isolated-scores", "--set", "input=\(directory.path)/clean.csv", "--set", "output=\(directory.path)/scores.csv",
                    "--checkpoint-dir", "\(directory.path)/state", "--quiet"]
        for processes in ["2", "0", "2"] {
            let run = try await OffPool.run { try StreamJobBinary.run(base + ["--restore", "latest", "--worker-processes", processes]) }
            #expect(run.status == 0, "--worker-processes \(processes): \(run.error.suffix(2000))")
        }
        #expect(directory.read("scores.csv") == (try await Self.reference(in: directory)))
    }

    /// Whether `pid` runs (a zombie waiting to be reaped does not).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    /// The processes whose parent is `pid` (from /proc).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }
}
