import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One measured quantity, over several runs.
public struct Figure: Sendable {
    public let name: String
    public let unit: String
    public let samples: [Double]

    public var median: Double { samples.sorted()[samples.count / 2] }
    public var minimum: Double { samples.min() ?? 0 }
    public var maximum: Double { samples.max() ?? 0 }

    /// `name  median unit  (min … max over n runs)`, aligned for a terminal.
    public var line: String {
        let label = name.rightPadded(to: 44)
        let value = Self.format(median).leftPadded(to: 14)
        let spread = samples.count > 1
            ? "  (\(Self.format(minimum)) … \(Self.format(maximum)) over \(samples.count) runs)" : ""
        return "\(label)\(value) \(unit)\(spread)"
    }

    static func format(_ value: Double) -> String {
        if value >= 1000 {
            let digits = String(Int(value.rounded()))
            var out = ""
            for (offset, character) in digits.reversed().enumerated() {
                if offset > 0 && offset % 3 == 0 { out.append(",") }
                out.append(character)
            }
            return String(out.reversed())
        }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }
}

extension String {
    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    init(format: String, _ value: Double) {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
        self = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// Nanoseconds on the monotonic clock: cheap enough to read inside a task.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Seconds taken by `body`.
func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = monotonicNanos()
    try await body()
    return Double(monotonicNanos() - start) / 1e9
}

/// Runs blocking `body` on a thread of its own, so it never holds a thread of the cooperative pool.
func onOwnThread(_ body: @escaping @Sendable () throws -> Void) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        Thread {
            do {
                try body()
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
            }
        }.start()
    }
}

/// The `fraction` quantile of `values` (sorted in place).
func quantile(_ values: inout [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    values.sort()
    let index = min(values.count - 1, Int((Double(values.count) * fraction).rounded(.down)))
    return values[index]
}

/// Resident memory of this process in bytes (Linux: /proc/self/statm), 0 where unknown.
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    guard withUnsafeMutablePointer(to: &size, { sizePointer in
        withUnsafeMutablePointer(to: &resident) { residentPointer in
            withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
        }
    }) == 2 else { return 0 }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The peak resident memory of a process in bytes (Linux: `VmHWM`): this one by default, or a
/// child by its pid. 0 where unknown, or once the process is gone.
///
/// ```swift
/// let peak = peakResidentBytes(of: "\(pid)")
/// ```
func peakResidentBytes(of process: String = "self") -> Int {
    guard let file = fopen("/proc/\(process)/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if text.hasPrefix("VmHWM:") {
            let digits = text.filter(\.isNumber)
            return (Int(digits) ?? 0) * 1024
        }
    }
    return 0
}

/// Resets the peak resident memory to the current one (Linux), so each run reports its own.
func resetPeakResident() {
    guard let file = fopen("/proc/self/clear_refs", "w") else { return }
    fputs("5", file)
    fclose(file)
}
