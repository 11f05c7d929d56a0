import Connectors
import Foundation
import Stream
import Testing

extension KillTests {
    /// Runs the real `stream-job` on files with checkpoints, kills it with SIGKILL at random
    /// moments, resumes it each time with `--restore latest`, and checks that the committed output
    /// equals, byte for byte, that of a run never killed.
    @Suite(.serialized, .timeLimit(.minutes(5))) struct CrashRestoreTests {
        let directory = NSTemporaryDirectory() + "crash-restore-\(UUID().uuidString.prefix(8))"

        /// 160,000 W1 events in two files, so restores also land in the second file.
        func writeInput() throws -> String {
            let input = "\(directory)/input"
            try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
            var generator = W1Generator(seed: 11)
            for part in 1...2 {
                var bytes: [UInt8] = []
                for _ in 0..<80_000 { generator.next().appendCSVLine(to: &bytes) }
                try Data(bytes).write(to: URL(fileURLWithPath: "\(input)/part-\(part).csv"))
            }
            return input
        }

        func arguments(input: String, output: String, checkpoints: Bool) -> [String] {
            var arguments = ["run", "w1-windows", "--workers", "2", "--set", "input=\(input)", "--set", "output=\(output)",
                             "--set", "window-ms=100", "--set", "chunk-bytes=16384"]
            if checkpoints {
                arguments += ["--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "25ms", "--restore", "latest"]
            }
            return arguments
        }

        func tail(_ log: String) -> String {
            String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2000))
        }

        func contents(_ output: String) throws -> Data {
            try Data(contentsOf: URL(fileURLWithPath: output)) + Data(contentsOf: URL(fileURLWithPath: output + ".late"))
        }

        @Test func killedAtRandomMomentsTheCommittedOutputEqualsAnUninterruptedRun() throws {
            let input = try writeInput()
            let log = "\(directory)/log.txt"
            let started = Date()
            let reference = try StreamJobProcess(arguments(input: input, output: "\(directory)/reference/out.csv", checkpoints: false), log: log)
            #expect(reference.waitForExit(seconds: 120))
            let duration = Date().timeIntervalSince(started)
            #expect(reference.status == 0)
            let expected = try contents("\(directory)/reference/out.csv")
            #expect(expected.count > 100_000)

            let output = "\(directory)/out/out.csv"
            let seed = try KillLoop.run(kills: 20, duration: duration, arguments: arguments(input: input, output: output, checkpoints: true),
                                        log: log, startOver: ["\(directory)/state", "\(directory)/out"]) { try contents(output) == expected }
            let actual = try contents(output)
            #expect(actual.count == expected.count, "seed \(seed)")
            #expect(actual == expected, "seed \(seed)")
            let staged = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/out").filter { $0.hasPrefix(".") }
            #expect(staged.isEmpty)
            try? FileManager.default.removeItem(atPath: directory)
        }

        @Test func sigtermStopsGracefullyWithAFinalCheckpointAndTheRestResumes() throws {
            let input = try writeInput()
            let log = "\(directory)/log.txt"
            let reference = try StreamJobProcess(arguments(input: input, output: "\(directory)/reference/out.csv", checkpoints: false), log: log)
            #expect(reference.waitForExit(seconds: 120))
            let expected = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/reference/out.csv"))

            let output = "\(directory)/out/out.csv"
            var arguments = arguments(input: input, output: output, checkpoints: true)
            arguments[arguments.firstIndex(of: "25ms")!] = "1h"
            let run = try StreamJobProcess(arguments, log: log)
            // Stop once windows have fired (their output is staged until the final checkpoint).
            let store = CheckpointStore(root: "\(directory)/state", job: "w1-windows")
            var stopped = false
            for _ in 0..<400 where !stopped {
                if run.waitForExit(seconds: 0.05) { break }
                if FileManager.default.fileExists(atPath: "\(directory)/out/.out.csv.inprogress") {
                    run.kill(SIGTERM)
                    stopped = true
                }
            }
            #expect(stopped, "the job finished before it could be stopped")
            #expect(run.status == 0)
            #expect(try store.ids().count == 2)   // at the start, and at the stop
            let partial = try Data(contentsOf: URL(fileURLWithPath: output))
            #expect(partial.count > 0 && partial.count < expected.count)
            #expect(expected.starts(with: partial))
            #expect(tail(log).contains("job 'w1-windows' stopped"))

            let resumed = try StreamJobProcess(self.arguments(input: input, output: output, checkpoints: true), log: log)
            #expect(resumed.waitForExit(seconds: 120))
            #expect(resumed.status == 0)
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == expected)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

@Suite struct SecondSignalTests {
    @Test func aSecondSignalStopsAtOnceWithExitCode130() throws {
        let directory = NSTemporaryDirectory() + "second-signal-\(UUID().uuidString.prefix(8))"
        let job = try StreamJobProcess(["run", "w1-windows", "--set", "events=100000000", "--set", "output=\(directory)/out.csv",
                                        "--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "1h"], log: "\(directory).log")
        // Running: its first checkpoint (taken before it reads) is there.
        for _ in 0..<400 where !FileManager.default.fileExists(atPath: "\(directory)/state/w1-windows/chk-1") {
            if job.waitForExit(seconds: 0.05) { break }
        }
        #expect(FileManager.default.fileExists(atPath: "\(directory)/state/w1-windows/chk-1"))
        // Two different signals: two of the same kind may be merged by the kernel into one.
        _ = kill(job.process.processIdentifier, SIGINT)
        job.kill(SIGTERM)
        #expect(job.status == 130)
        #expect(!job.diedOfSignal)
        let log = try String(contentsOfFile: "\(directory).log", encoding: .utf8)
        #expect(log.contains("stopping: draining and taking a final checkpoint"))
        #expect(!log.contains("job 'w1-windows' stopped"))
        try? FileManager.default.removeItem(atPath: directory)
    }
}
