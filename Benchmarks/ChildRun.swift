import Stream
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program as a child process (no shell) and measures it alone: its wall time and its own
/// peak resident memory, so what the parent holds (a reference computation, say) is not counted.
/// The peak is the child's `VmHWM`, read while it runs: `wait4`'s `ru_maxrss` would count the
/// parent's memory, which the child shares until it replaces itself with the program.
///
/// ```swift
/// let run = try ChildRun.run("/proc/self/exe", ["run", "nexmark-q0", "--quiet"])
/// print(run.seconds, run.peakBytes)
/// ```
enum ChildRun {
    struct Outcome {
        var seconds: Double
        var peakBytes: Int
        var status: Int32
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// This executable's path.
    static var currentExecutable: String { WorkerLaunch.currentExecutable }

    static func run(_ executable: String, _ arguments: [String]) throws -> Outcome {
        try runTogether([(executable, arguments)])[0]
    }

    /// Runs the programs at the same time, each measured on its own (its wall time from the
    /// common start to its own exit, its own peak memory).
    ///
    /// ```swift
    /// let pair = try ChildRun.runTogether([("./w1_roofline", [input, "a.csv", "-q"]), ("./w1_roofline", [input, "b.csv", "-q"])])
    /// ```
    static func runTogether(_ commands: [(executable: String, arguments: [String])]) throws -> [Outcome] {
        let start = monotonicNanos()
        var pids: [pid_t] = []
        for (executable, arguments) in commands {
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, executable, nil, nil, argv, environ)
            guard spawned == 0 else { throw Failed(description: "cannot start \(executable): error \(spawned)") }
            pids.append(pid)
        }
        var outcomes = [Outcome?](repeating: nil, count: pids.count)
        var peaks = [Int](repeating: 0, count: pids.count)
        while outcomes.contains(where: { $0 == nil }) {
            for index in pids.indices where outcomes[index] == nil {
                var status: Int32 = 0
                let waited = waitpid(pids[index], &status, WNOHANG)
                if waited == pids[index] {
                    outcomes[index] = Outcome(seconds: Double(monotonicNanos() - start) / 1e9, peakBytes: peaks[index], status: status)
                } else if waited < 0 && errno != EINTR {
                    throw Failed(description: "waiting for \(commands[index].executable): error \(errno)")
                } else {
                    peaks[index] = max(peaks[index], peakResidentBytes(of: "\(pids[index])"))
                }
            }
            usleep(2_000)
        }
        return outcomes.map { $0! }
    }
}
