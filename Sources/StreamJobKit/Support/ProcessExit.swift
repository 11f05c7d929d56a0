import Foundation

/// Ends the process once a command is done: flushes standard output and error, then exits
/// without running `atexit` handlers.
///
/// By the time a command returns, its job has drained, checkpointed and closed its files. What
/// may still run are threads the command does not own: librdkafka's (its clients and the
/// embedded broker keep threads until destroyed, and a pipeline's demo generator produces
/// until the process ends). `exit` would tear down C libraries' globals (a statically linked
/// OpenSSL's, for one) under those threads and could crash the process after a clean stop, so
/// an exit code 0 could turn into a SIGSEGV.
///
/// ```swift
/// ProcessExit.now(0)
/// ```
enum ProcessExit {
    static func now(_ code: Int32) -> Never {
        fflush(nil)
        _exit(code)
    }
}
