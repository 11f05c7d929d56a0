public import Stream
import Synchronization

/// The W2 figures for the task runtime (see shared BENCHMARKS.md): empty tasks per second,
/// dependency-hop latency, fan-out/fan-in, actor calls per second, and the bytes copied when
/// 100 tasks read one 1 MiB object.
///
/// ```swift
/// try await RuntimeBenchmark(workers: 2, runs: 3).run { print($0.line) }
/// ```
public struct RuntimeBenchmark: Sendable {
    public var workers: Int
    public var runs: Int
    /// Multiplies every operation count; below 1 for a quick look.
    public var scale: Double

    public init(workers: Int = Runtime.defaultWorkerCount, runs: Int = 3, scale: Double = 1) {
        self.workers = workers
        self.runs = max(1, runs)
        self.scale = scale
    }

    private func count(_ base: Int) -> Int { max(10, Int(Double(base) * scale)) }

    /// Measures every figure `runs` times, each on a fresh runtime, and reports each figure once.
    public func run(report: (Figure) -> Void) async throws {
        var samples: [String: (unit: String, values: [Double])] = [:]
        var order: [String] = []
        func record(_ name: String, _ unit: String, _ value: Double) {
            if samples[name] == nil { order.append(name) }
            samples[name, default: (unit, [])].values.append(value)
        }
        let measurements: [(String, (Runtime, (String, String, Double) -> Void) async throws -> Void)] = [
            ("batched", emptyTasksBatched), ("single", emptyTasksOneAtATime), ("sync", syncRoundTrips),
            ("hop", dependencyHops), ("fan", fanOutFanIn), ("actor", actorCalls),
            ("actor-sync", actorRoundTrips), ("put-get", putAndGet), ("copies", sharedObjectReads),
        ]
        for (_, measure) in measurements {
            for _ in 0..<runs {
                let runtime = Runtime(workers: workers)
                try await measure(runtime) { record($0, $1, $2) }
                runtime.shutdown()
            }
            for name in order where samples[name] != nil {
                let entry = samples.removeValue(forKey: name)!
                report(Figure(name: name, unit: entry.unit, samples: entry.values))
            }
            order.removeAll()
        }
    }

    // MARK: Tasks

    private func emptyTasksBatched(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(1_000_000)
        let elapsed = try await seconds {
            let refs = runtime.submitBatch(count: n) { _ in }
            _ = try await runtime.get(refs)
        }
        record("empty tasks, submitted in batches", "tasks/s", Double(n) / elapsed)
    }

    private func emptyTasksOneAtATime(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(1_000_000)
        var refs: [TaskRef<Void>] = []
        refs.reserveCapacity(n)
        let elapsed = try await seconds {
            for _ in 0..<n { refs.append(runtime.submit {}) }
            _ = try await runtime.get(refs)
        }
        record("empty tasks, submitted one at a time", "tasks/s", Double(n) / elapsed)
    }

    private func syncRoundTrips(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(50_000)
        let elapsed = try await seconds {
            for _ in 0..<n { try await runtime.submit {}.value }
        }
        record("submit + await one task (sync round trip)", "tasks/s", Double(n) / elapsed)
    }

    /// A chain of tasks, each depending on the one before: the time from the end of one task's
    /// body to the start of the next one's is a dependency hop.
    private func dependencyHops(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(200_000)
        let times = TimeTable(count: n)
        var ref = runtime.submit { () -> Int in
            times.start(0)
            times.end(0)
            return 0
        }
        for index in 1..<n {
            ref = runtime.submit(after: ref) { _ -> Int in
                times.start(index)
                times.end(index)
                return index
            }
        }
        _ = try await ref.value
        var hops = (1..<n).map { Double(times.startNanos(of: $0) &- times.endNanos(of: $0 - 1)) / 1000 }
        record("dependency hop latency p50", "µs", quantile(&hops, 0.5))
        record("dependency hop latency p99", "µs", quantile(&hops, 0.99))
        let span = Double(times.endNanos(of: n - 1) - times.startNanos(of: 0)) / 1e9
        record("dependent chain throughput", "tasks/s", Double(n) / span)
    }

    private func fanOutFanIn(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let width = count(10_000)
        let elapsed = try await seconds {
            let root = runtime.submit { 1 }
            let middle = (0..<width).map { i in runtime.submit(after: root) { $0 + i } }
            let sink = runtime.submit(afterAll: middle) { $0.reduce(0, +) }
            let total = try await sink.value
            precondition(total == width + width * (width - 1) / 2, "fan-in sum is wrong")
        }
        record("fan-out/fan-in 1 → \(width) → 1", "ms", elapsed * 1000)
    }

    // MARK: Actors

    struct Counter: RuntimeActor {
        var total = 0
        init(restoring snapshot: Int?) { total = snapshot ?? 0 }
        func snapshot() -> Int { total }
    }

    private func actorCalls(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(2_000_000)
        let counter = try runtime.actor(Counter.self)
        var last: TaskRef<Int>?
        let elapsed = try await seconds {
            for _ in 0..<n { last = counter.call { $0.total += 1; return $0.total } }
            let total = try await last!.value
            precondition(total == n, "actor lost calls")
        }
        record("actor calls (each returns a future)", "calls/s", Double(n) / elapsed)
    }

    private func actorRoundTrips(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(50_000)
        let counter = try runtime.actor(Counter.self)
        let elapsed = try await seconds {
            for _ in 0..<n { _ = try await counter.call { $0.total += 1; return $0.total }.value }
        }
        record("actor call + await (sync round trip)", "calls/s", Double(n) / elapsed)
    }

    // MARK: Object store

    private func putAndGet(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let n = count(1_000_000)
        var refs: [TaskRef<Int>] = []
        refs.reserveCapacity(n)
        let putTime = await seconds {
            for i in 0..<n { refs.append(runtime.put(i)) }
        }
        var sum = 0
        let getTime = try await seconds {
            for ref in refs { sum &+= try await ref.value }
        }
        precondition(sum == n * (n - 1) / 2, "get returned wrong values")
        record("put calls", "calls/s", Double(n) / putTime)
        record("get calls", "calls/s", Double(n) / getTime)
    }

    /// 100 tasks read one 1 MiB object. Two views of the copies: how many distinct buffers the
    /// readers saw besides the stored one, and how much resident memory grew while they ran
    /// (100 copies would show as about 100 MiB).
    private func sharedObjectReads(_ runtime: Runtime, _ record: (String, String, Double) -> Void) async throws {
        let size = 1 << 20
        let object = runtime.put([UInt8](repeating: 1, count: size))
        let original = try await object.value.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let seen = Mutex<Set<UInt>>([])
        let residentBefore = residentBytes()
        let readers = (0..<100).map { _ in
            runtime.submit(after: object) { bytes -> Int in
                let address = bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
                seen.withLock { _ = $0.insert(address) }
                // Read the whole object: one byte of every 64-byte cache line.
                return stride(from: 0, to: bytes.count, by: 64).reduce(0) { $0 &+ Int(bytes[$1]) }
            }
        }
        let sums = try await runtime.get(readers)
        let residentGrowth = max(0, residentBytes() - residentBefore)
        precondition(sums.allSatisfy { $0 == size / 64 }, "a reader saw wrong bytes")
        let copies = seen.withLock { $0.subtracting([original]).count }
        record("bytes copied, 100 tasks reading 1 MiB", "bytes", Double(copies * size))
        record("resident memory growth while they ran", "bytes", Double(residentGrowth))
    }
}

/// Start and end times of each task in a chain, written from the tasks themselves.
///
/// `@unchecked Sendable` is safe: each slot is written by exactly one task, and read only after
/// the chain's last task is awaited, which orders every write before the reads.
final class TimeTable: @unchecked Sendable {
    private var starts: [UInt64]
    private var ends: [UInt64]

    init(count: Int) {
        starts = [UInt64](repeating: 0, count: count)
        ends = [UInt64](repeating: 0, count: count)
    }

    @inline(__always) func start(_ index: Int) { starts.withUnsafeMutableBufferPointer { $0[index] = monotonicNanos() } }
    @inline(__always) func end(_ index: Int) { ends.withUnsafeMutableBufferPointer { $0[index] = monotonicNanos() } }
    func startNanos(of index: Int) -> UInt64 { starts[index] }
    func endNanos(of index: Int) -> UInt64 { ends[index] }
}
