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
    static var currentExecutable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return length > 0 ? String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Outcome {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let start = monotonicNanos()
        let spawned = posix_spawn(&pid, executable, nil, nil, argv, environ)
        guard spawned == 0 else { throw Failed(description: "cannot start \(executable): error \(spawned)") }
        var status: Int32 = 0
        var peak = 0
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0 && errno != EINTR { throw Failed(description: "waiting for \(executable): error \(errno)") }
            peak = max(peak, peakResidentBytes(of: "\(pid)"))
            usleep(2_000)
        }
        let seconds = Double(monotonicNanos() - start) / 1e9
        return Outcome(seconds: seconds, peakBytes: peak, status: status)
    }
}
