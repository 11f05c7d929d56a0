import Foundation

/// Runs the built `stream-job` executable as a child process.
enum StreamJobBinary {
    struct Outcome {
        let status: Int32
        let output: String
        let error: String
    }

    /// The `stream-job` built next to the test bundle.
    static var url: URL { built("stream-job") }

    /// An executable of this package built next to the test bundle.
    static func built(_ name: String) -> URL {
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        let candidates = [directory, directory.deletingLastPathComponent()]
            .map { $0.appendingPathComponent(name) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    static func run(_ arguments: [String], executable: String = "stream-job") throws -> Outcome {
        let process = Process()
        process.executableURL = built(executable)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData, as: UTF8.self)
        )
    }
}

/// A `stream-job` child process that can be killed.
/// `@unchecked Sendable` is safe: a test hands it to one thread at a time (``OffPool``), and
/// `exited` is a semaphore signalled by `Process`'s own termination handler.
final class StreamJobProcess: @unchecked Sendable {
    let process = Process()
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `stream-job arguments`, its output appended to `log`; with `launcher`, through it
    /// (`ip netns exec <host>`, which becomes the program: the pid is the job's).
    init(_ arguments: [String], log: String, launcher: [String] = []) throws {
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        if let first = launcher.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(launcher.dropFirst()) + [StreamJobBinary.url.path] + arguments
        } else {
            process.executableURL = StreamJobBinary.url
            process.arguments = arguments
        }
        process.standardOutput = handle
        process.standardError = handle
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
    }

    private var hasExited = false

    /// Waits for the process to exit on its own for at most `seconds`; true if it did (now or
    /// at an earlier call).
    func waitForExit(seconds: Double) -> Bool {
        if !hasExited && exited.wait(timeout: .now() + seconds) == .success { hasExited = true }
        return hasExited
    }

    /// Sends `signal` and waits for the process to end (at once if it already has).
    func kill(_ signal: Int32) {
        guard !hasExited else { return }
        _ = Foundation.kill(process.processIdentifier, signal)
        exited.wait()
        hasExited = true
    }

    var status: Int32 { process.terminationStatus }
    var diedOfSignal: Bool { process.terminationReason == .uncaughtSignal }
}
