/// Why a remote task failed.
///
/// ```swift
/// catch RemoteTaskError.workerDied(let function, let death) { print(function, death) }
/// ```
public enum RemoteTaskError: Error, Sendable, CustomStringConvertible {
    /// A worker process could not be started.
    case cannotStartWorker(String)
    /// The task killed every worker it ran on (as many times as its retries allow).
    case workerDied(function: String, WorkerDeath)
    /// The function threw; the message is the error's description in the worker.
    case failed(function: String, message: String)
    /// The worker has no function of that name (it was not registered in the worker's process).
    case unknownFunction(String)

    public var description: String {
        switch self {
        case .cannotStartWorker(let reason): "cannot start a worker process: \(reason)"
        case .workerDied(let function, let death): "remote task '\(function)': its worker \(death)"
        case .failed(let function, let message): "remote task '\(function)' failed: \(message)"
        case .unknownFunction(let name): "no remote function '\(name)' is registered in the worker processes"
        }
    }
}

/// How a worker process ended while it ran a task.
public enum WorkerDeath: Sendable, Equatable, CustomStringConvertible {
    /// Killed by a signal: a trap in the function (SIGILL, SIGTRAP), a crash (SIGSEGV), an
    /// abort, or SIGKILL from outside. `lastWords` is the end of what it wrote to standard error.
    case signal(Int32, lastWords: String)
    /// It exited by itself with this code.
    case exited(Int32, lastWords: String)
    /// The task ran longer than its time limit, and the worker was killed.
    case timedOut(limit: Duration)
    /// It ran out of its memory limit (bytes), and ended.
    case outOfMemory(limit: Int, lastWords: String)

    /// Short: `signal 4 (SIGILL)`, `time limit 5s`, `memory limit 512 MiB`.
    public var cause: String {
        switch self {
        case .signal(let number, _): "signal \(number) (\(Self.signalName(number)))"
        case .exited(let code, _): "exit code \(code)"
        case .timedOut(let limit): "time limit \(limit)"
        case .outOfMemory(let limit, _): "memory limit \(limit >> 20) MiB"
        }
    }

    public var description: String {
        switch self {
        case .signal(_, let words): "was killed by \(cause)" + Self.quoting(words)
        case .exited(_, let words): "exited with \(cause)" + Self.quoting(words)
        case .timedOut(let limit): "ran longer than its time limit of \(limit) and was killed"
        case .outOfMemory(let limit, let words): "ran out of its memory limit of \(limit >> 20) MiB" + Self.quoting(words)
        }
    }

    private static func quoting(_ words: String) -> String {
        words.isEmpty ? "" : ": \(words)"
    }

    static func signalName(_ number: Int32) -> String {
        let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
                                      8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM", 24: "SIGXCPU", 31: "SIGSYS"]
        return names[number] ?? "signal \(number)"
    }
}
