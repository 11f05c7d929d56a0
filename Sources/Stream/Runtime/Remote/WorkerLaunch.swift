#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How worker processes are started: which executable, with which arguments. The worker
/// finds its socket to the job at file descriptor 3 (``WorkerLaunch/socketDescriptor``); its
/// standard error comes back to the job, which prints it and keeps its last lines for the
/// report when the worker dies.
///
/// ```swift
/// let launch = WorkerLaunch(arguments: ["worker"])   // this executable's `worker` command
/// ```
public struct WorkerLaunch: Sendable {
    /// The file descriptor of the job's socket in the worker.
    public static let socketDescriptor: Int32 = 3

    public var executable: String
    public var arguments: [String]

    /// `executable` (by default, the running one) with `arguments`.
    public init(executable: String? = nil, arguments: [String]) {
        self.executable = executable ?? WorkerLaunch.currentExecutable
        self.arguments = arguments
    }

    /// The path of the running executable.
    public static var currentExecutable: String {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 { return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        #endif
        return CommandLine.arguments[0]
    }

    /// A started worker: its process, the job's end of its socket, and the read end of its
    /// standard error.
    struct Started {
        let pid: pid_t
        let socket: Int32
        let standardError: Int32
    }

    /// Starts one worker (no shell: `posix_spawn` with an explicit argument vector).
    /// The environment variable that carries the worker's memory limit (bytes), which
    /// ``WorkerServer/serve(socket:)`` applies as its `RLIMIT_AS` before it reads anything.
    static let memoryLimitVariable = "STREAM_WORKER_MEMORY_LIMIT"

    func start(memoryLimit: Int?) throws -> Started {
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw RemoteTaskError.cannotStartWorker("socketpair: \(String(cString: strerror(errno)))")
        }
        // Standard error comes back over a socket pair too: created close-on-exec in one call,
        // so a worker another thread starts meanwhile cannot inherit this one's end.
        var errorPipe: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &errorPipe) == 0 else {
            close(pair[0]); close(pair[1])
            throw RemoteTaskError.cannotStartWorker("socketpair: \(String(cString: strerror(errno)))")
        }
        defer { close(pair[1]); close(errorPipe[1]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pair[1], Self.socketDescriptor)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)

        // The Swift runtime's crash reporter would spend seconds symbolicating each trap a
        // poison record causes; the job reports the signal and the worker's last words instead.
        var environment = Self.inheritedEnvironment().filter { !$0.hasPrefix("SWIFT_BACKTRACE=") }
        environment.append("SWIFT_BACKTRACE=enable=no")
        environment = environment.filter { !$0.hasPrefix("\(Self.memoryLimitVariable)=") }
        if let memoryLimit { environment.append("\(Self.memoryLimitVariable)=\(memoryLimit)") }
        let argv = [executable] + arguments
        var pid: pid_t = 0
        let status = withCStrings(argv) { argvPointers in
            withCStrings(environment) { environmentPointers in
                posix_spawn(&pid, executable, &actions, nil, argvPointers, environmentPointers)
            }
        }
        guard status == 0 else {
            close(pair[0]); close(errorPipe[0])
            throw RemoteTaskError.cannotStartWorker("\(executable): \(String(cString: strerror(status)))")
        }
        return Started(pid: pid, socket: pair[0], standardError: errorPipe[0])
    }

    private static func inheritedEnvironment() -> [String] {
        var result: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            result.append(String(cString: pointer))
            entry += 1
        }
        return result
    }
}

/// Calls `body` with a NULL-terminated C array of `strings`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
