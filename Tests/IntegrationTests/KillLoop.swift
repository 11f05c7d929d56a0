import Foundation
import Stream
import Testing

/// Runs a checkpointing job again and again, killing it with SIGKILL after a random share of
/// `duration` each time, until `kills` kills landed; a run that finishes before its kill must
/// have written the complete output, and is then started over from nothing. Then one last run to
/// the end. Returns the seed, for the failure messages.
///
/// ```swift
/// let seed = try KillLoop.run(kills: 12, duration: 2.0, arguments: arguments, log: log, directory: directory) {
///     try contents(output) == expected
/// }
/// ```
enum KillLoop {
    @discardableResult
    static func run(kills wanted: Int, duration: Double, minimumShare: Double = 0.05, arguments: [String], log: String,
                    startOver: [String], isComplete: () throws -> Bool) throws -> UInt64 {
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        var random = SeededRandom(seed: seed)
        var kills = 0
        var launches = 0
        while kills < wanted && launches < wanted * 5 {
            launches += 1
            let run = try StreamJobProcess(arguments, log: log)
            if !run.waitForExit(seconds: duration * (minimumShare + (1 - minimumShare) * random.unit())) {
                run.kill(SIGKILL)
                // It may have finished on its own just before the signal.
                if run.diedOfSignal { kills += 1; continue }
            }
            #expect(run.status == 0, "seed \(seed), launch \(launches): \(tail(log))")
            #expect(try isComplete(), "seed \(seed), launch \(launches): a run that finished wrote everything")
            for path in startOver { try? FileManager.default.removeItem(atPath: path) }
        }
        #expect(kills == wanted, "seed \(seed)")
        let last = try StreamJobProcess(arguments, log: log)
        #expect(last.waitForExit(seconds: 120))
        #expect(last.status == 0, "seed \(seed): \(tail(log))")
        return seed
    }

    /// The end of a log, for failure messages.
    static func tail(_ log: String) -> String {
        String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2000))
    }
}
