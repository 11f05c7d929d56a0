import Foundation
import Samples
import Stream
import Testing

/// Three sources (orders, card and transfer payments), a union and an interval join, run by the
/// real `stream-job` with checkpoints, killed with SIGKILL at random moments and resumed each
/// time: the committed output — results, late records and each source's dead letters — equals,
/// byte for byte, that of a run never killed.
@Suite(.serialized, .timeLimit(.minutes(5))) struct JoinCrashTests {
    let directory = NSTemporaryDirectory() + "join-crash-\(UUID().uuidString.prefix(8))"

    func arguments(input: String, output: String, checkpoints: Bool) -> [String] {
        var arguments = ["run", "orders-payments", "--workers", "2", "--set", "input=\(input)", "--set", "output=\(output)",
                         "--set", "chunk-bytes=8192"]
        if checkpoints {
            arguments += ["--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "25ms", "--restore", "latest"]
        }
        return arguments
    }

    /// The results, the late records and the three dead-letter files.
    func contents(_ output: String) throws -> Data {
        try ["", ".late", ".bad-orders.jsonl", ".bad-cards.jsonl", ".bad-transfers.jsonl"].reduce(Data()) {
            $0 + (try Data(contentsOf: URL(fileURLWithPath: output + $1)))
        }
    }

    func tail(_ log: String) -> String {
        String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2000))
    }

    @Test func aTwoSourceJoinKilledAtRandomMomentsWritesWhatAnUninterruptedRunWrites() throws {
        let input = "\(directory)/input"
        try OrdersPaymentsData(orders: 60_000, seed: 3).write(to: input, badLineEvery: 2_000)
        let log = "\(directory)/log.txt"
        let started = Date()
        let reference = try StreamJobProcess(arguments(input: input, output: "\(directory)/reference/out.csv", checkpoints: false), log: log)
        #expect(reference.waitForExit(seconds: 120))
        let duration = Date().timeIntervalSince(started)
        #expect(reference.status == 0, "\(tail(log))")
        let expected = try contents("\(directory)/reference/out.csv")
        #expect(expected.count > 500_000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/reference/out.csv.late")).count > 0, "some records are late")
        let bad = try String(contentsOfFile: "\(directory)/reference/out.csv.bad-orders.jsonl", encoding: .utf8)
        #expect(bad.split(separator: "\n").count == 30, "one bad line in 2,000 orders")

        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        var random = SeededRandom(seed: seed)
        let output = "\(directory)/out/out.csv"
        var kills = 0
        var launches = 0
        while kills < 12 && launches < 60 {
            launches += 1
            let run = try StreamJobProcess(arguments(input: input, output: output, checkpoints: true), log: log)
            var finished = run.waitForExit(seconds: duration * (0.05 + 0.9 * random.unit()))
            if !finished {
                run.kill(SIGKILL)
                finished = !run.diedOfSignal
                if !finished { kills += 1 }
            }
            if finished {
                #expect(run.status == 0, "seed \(seed), launch \(launches): \(tail(log))")
                #expect(try contents(output) == expected, "seed \(seed), launch \(launches)")
                try FileManager.default.removeItem(atPath: "\(directory)/state")
                try FileManager.default.removeItem(atPath: "\(directory)/out")
            }
        }
        #expect(kills == 12, "seed \(seed)")
        let last = try StreamJobProcess(arguments(input: input, output: output, checkpoints: true), log: log)
        #expect(last.waitForExit(seconds: 120))
        #expect(last.status == 0, "seed \(seed): \(tail(log))")
        let actual = try contents(output)
        #expect(actual.count == expected.count, "seed \(seed)")
        #expect(actual == expected, "seed \(seed), \(kills) kills")
        try? FileManager.default.removeItem(atPath: directory)
    }
}
