import Foundation
import Samples
import Stream
import Testing

extension KillTests {
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

        @Test func aTwoSourceJoinKilledAtRandomMomentsWritesWhatAnUninterruptedRunWrites() throws {
            let input = "\(directory)/input"
            try OrdersPaymentsData(orders: 60_000, seed: 3).write(to: input, badLineEvery: 2_000)
            let log = "\(directory)/log.txt"
            let started = Date()
            let reference = try StreamJobProcess(arguments(input: input, output: "\(directory)/reference/out.csv", checkpoints: false), log: log)
            #expect(reference.waitForExit(seconds: 120))
            let duration = Date().timeIntervalSince(started)
            #expect(reference.status == 0, "\(KillLoop.tail(log))")
            let expected = try contents("\(directory)/reference/out.csv")
            #expect(expected.count > 500_000)
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/reference/out.csv.late")).count > 0, "some records are late")
            let bad = try String(contentsOfFile: "\(directory)/reference/out.csv.bad-orders.jsonl", encoding: .utf8)
            #expect(bad.split(separator: "\n").count == 30, "one bad line in 2,000 orders")

            let output = "\(directory)/out/out.csv"
            let seed = try KillLoop.run(kills: 12, duration: duration, arguments: arguments(input: input, output: output, checkpoints: true),
                                        log: log, startOver: ["\(directory)/state", "\(directory)/out"]) { try contents(output) == expected }
            let actual = try contents(output)
            #expect(actual.count == expected.count, "seed \(seed)")
            #expect(actual == expected, "seed \(seed)")
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
