import Foundation

/// A C program from `Benchmarks/c`, built with `cc` into the data directory: the yardstick a
/// benchmark runs in the same invocation, so that its figure is a ratio measured on this machine
/// now rather than an absolute time held against another machine's.
///
/// ```swift
/// if let c = CYardstick.build("w1_roofline", into: "bench-data", report: { print($0) }) {
///     let run = try ChildRun.run(c.binary, [input, "out.csv", "-q"])
/// }
/// ```
struct CYardstick {
    let binary: String

    /// Builds `Benchmarks/c/<name>.c` (relative to the working directory, the repository) unless
    /// built already; nil, said in `report`, without `cc` or the source.
    static func build(_ name: String, into directory: String, report: (String) -> Void) -> CYardstick? {
        let binary = "\(directory)/\(name)"
        let source = "Benchmarks/c/\(name).c"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard FileManager.default.fileExists(atPath: source) else {
            report("no C yardstick: \(source) not found (run from the repository)")
            return nil
        }
        guard (try? ChildRun.run("/usr/bin/env", ["cc", "-O2", "-o", binary, source]))?.status == 0 else {
            report("no C yardstick: cc could not build \(source)")
            return nil
        }
        return CYardstick(binary: binary)
    }
}
