import Foundation
public import Stream

/// Remote functions for the runtime's worker-process benchmark and tests, registered by
/// `stream-job` at start (so its `worker` command serves them): empty work, arithmetic, and
/// the ways a task can take its worker down.
///
/// ```swift
/// RemoteProbes.register()
/// let nine = try await runtime.submitRemote(RemoteProbes.square, 3).value
/// ```
public enum RemoteProbes {
    /// Returns its input: the cost of a round trip.
    public static let echo = RemoteFunction("probe.echo") { (value: Int) in value }
    public static let square = RemoteFunction("probe.square") { (value: Int) in value * value }
    public static let sum = RemoteFunction("probe.sum") { (values: [Int]) in values.reduce(0, +) }
    /// The process id of the worker that ran it.
    public static let processID = RemoteFunction("probe.pid") { (_: Int) in Int(getpid()) }
    /// Throws when its input is negative.
    public static let failIfNegative = RemoteFunction("probe.fail-if-negative") { (value: Int) throws in
        if value < 0 { throw ProbeError(message: "negative input \(value)") }
        return value
    }
    /// Traps (a Swift runtime error, as a force unwrap or an index out of range would) on 13.
    public static let trapOn13 = RemoteFunction("probe.trap-on-13") { (value: Int) in
        if value == 13 { fatalError("probe trap on input 13") }
        return value
    }
    /// Loops for ever on 13.
    public static let loopOn13 = RemoteFunction("probe.loop-on-13") { (value: Int) in
        var spins = 0
        while value == 13 { spins &+= 1 }
        return value + spins
    }
    /// Allocates without bound on 13.
    public static let allocateOn13 = RemoteFunction("probe.allocate-on-13") { (value: Int) in
        var blocks: [[UInt8]] = []
        while value == 13 { blocks.append([UInt8](repeating: 1, count: 16 << 20)) }
        return value + blocks.count
    }
    /// Creates the file named by its input, then sleeps for a second: a task to kill a worker
    /// under, once the file says it is running.
    public static let markThenSleep = RemoteFunction("probe.mark-then-sleep") { (path: String) in
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        usleep(1_000_000)
        return path
    }

    /// When it started and ended (monotonic nanoseconds, one clock for every process on the
    /// machine): a link of a chain whose hops are timed across processes.
    public static let stamp = RemoteFunction("probe.stamp") { (_: [UInt64]) in
        let start = monotonicNanos()
        return [start, monotonicNanos()]
    }

    /// An actor that keeps a running total.
    public static let tally = RemoteActorKind("probe.tally") { 0 }
    /// Adds its input to the total and returns the total.
    public static let add = RemoteActorMethod(tally, "add") { (total: inout Int, amount: Int) in
        total += amount
        return total
    }
    /// Adds like `add`, but traps on 13.
    public static let addOrTrapOn13 = RemoteActorMethod(tally, "add-or-trap-on-13") { (total: inout Int, amount: Int) in
        if amount == 13 { fatalError("probe actor trap on 13") }
        total += amount
        return total
    }

    public static func register() {
        RemoteActors.register(tally, methods: [add.handler, addOrTrapOn13.handler])
        RemoteFunctions.register(stamp)
        for function in [echo, square, processID, failIfNegative, trapOn13, loopOn13, allocateOn13] {
            RemoteFunctions.register(function)
        }
        RemoteFunctions.register(sum)
        RemoteFunctions.register(markThenSleep)
    }
}

public struct ProbeError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) { self.message = message }
}
