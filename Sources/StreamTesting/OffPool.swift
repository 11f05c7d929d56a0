import Foundation

/// Blocking work of a test — waiting for a child process, flushing a Kafka producer — on a
/// thread of its own, so the cooperative pool (two threads on a 2-core machine) stays free for
/// the other suites' async tests meanwhile.
///
/// ```swift
/// try await OffPool.run { try producer.flush() }
/// ```
public enum OffPool {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
