public import Stream

/// Real-time processing: a generated sensor stream is cut into one-second tumbling
/// event-time windows; when the watermark passes a window's end, the window fires as a batch
/// of tasks (chunk tasks, then a merge task), scheduled ahead of later windows, and results
/// are printed in window order as they close.
///
/// Event time follows the engine's rules: the watermark is the largest timestamp seen minus
/// the allowed delay; a window `[start, end)` fires when the watermark reaches `end - 1`; each
/// record is judged against the watermark made by the records before it, so a record whose
/// window has fired is late (counted and reported, never dropped silently) whatever the
/// batch sizes; at the end of input every open window fires.
public enum RealtimeWindows {
    static let windowLength: Int64 = 1000

    public static func run(
        runtime: Runtime,
        seconds: Int = 10,
        rate: Int = 100_000,
        sensors: Int = 16,
        maxDelay: Int64 = 500,
        batchSize: Int = 10_000,
        paced: Bool = false,
        seed: UInt64 = 11,
        print: @escaping @Sendable (String) -> Void
    ) async throws -> [SampleCheck] {
        var stream = SensorStream(rate: rate, sensors: sensors, maxDelay: maxDelay, seconds: seconds, seed: seed)
        var open: [Int64: Readings] = [:]
        var firing: [(start: Int64, result: TaskRef<[SensorStats]>, tasks: Int)] = []
        var results: [Int64: [SensorStats]] = [:]
        var maxTimestamp = Int64.min
        var lateRecords = 0
        let clock = ContinuousClock()
        let started = clock.now
        print("realtime: \(Format.grouped(rate)) readings per event-time second from \(sensors) sensors, "
            + "up to \(maxDelay) ms out of order; 1 s windows on \(runtime.workerCount) workers")

        func watermark() -> Int64 { maxTimestamp == .min ? .min : maxTimestamp - maxDelay }

        func fireWindows(upTo watermark: Int64) {
            for start in open.keys.sorted() where start + windowLength - 1 <= watermark {
                let readings = open.removeValue(forKey: start)!
                let content = runtime.put(readings)
                let priority = TaskOptions(priority: start + windowLength)
                let chunks = Chunking.ranges(count: readings.count, workers: runtime.workerCount, minimumPerTask: 8_192)
                let parts = chunks.map { range in
                    runtime.submit(after: content, options: priority) { SensorStats.of($0, rows: range, sensors: sensors) }
                }
                let merged = runtime.submit(afterAll: parts, options: priority) { parts in
                    parts.dropFirst().reduce(parts[0]) { zip($0, $1).map { $0.merged(with: $1) } }
                }
                firing.append((start, merged, chunks.count + 1))
            }
        }

        func printClosedWindows(waitForAll: Bool) async throws {
            while let next = firing.first, waitForAll || next.result.isReady {
                firing.removeFirst()
                let stats = try await next.result.value
                results[next.start] = stats
                print(describe(start: next.start, stats: stats, tasks: next.tasks))
            }
        }

        while true {
            let batch = stream.next(batchSize)
            if batch.count == 0 { break }
            for row in 0..<batch.count {
                let timestamp = batch.timestamps[row]
                let start = timestamp - timestamp % windowLength
                if start + windowLength - 1 <= watermark() {
                    lateRecords += 1
                } else {
                    open[start, default: Readings()].append(
                        timestamp: timestamp, sensor: batch.sensors[row], value: batch.values[row])
                }
                maxTimestamp = max(maxTimestamp, timestamp)
            }
            fireWindows(upTo: watermark())
            try await printClosedWindows(waitForAll: false)
            if paced {
                let eventSeconds = Double(maxTimestamp - SensorStream.epoch) / 1000
                try await clock.sleep(until: started.advanced(by: .milliseconds(Int64(eventSeconds * 1000))))
            }
        }
        fireWindows(upTo: .max)
        try await printClosedWindows(waitForAll: true)
        print("  late records: \(lateRecords)")

        let reference = referenceWindows(rate: rate, sensors: sensors, maxDelay: maxDelay, seconds: seconds, seed: seed)
        let sameKeys = Set(results.keys) == Set(reference.keys)
        let sameStats = sameKeys && reference.allSatisfy { start, expected in
            let actual = results[start]!
            return zip(actual, expected).allSatisfy {
                $0.count == $1.count && $0.minimum == $1.minimum && $0.maximum == $1.maximum && Format.close($0.sum, $1.sum)
            }
        }
        let total = results.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        return [
            SampleCheck("every window fired once, in order", passed: sameKeys,
                        detail: "\(results.count) windows, expected \(reference.count)"),
            SampleCheck("per-sensor count, min, max and sum equal a sequential group-by", passed: sameStats),
            SampleCheck("no reading lost: windowed + late = generated", passed: total + lateRecords == rate * seconds,
                        detail: "\(total) + \(lateRecords) of \(rate * seconds)"),
            SampleCheck("no reading late when disorder stays within the watermark's bound", passed: lateRecords == 0),
        ]
    }

    static func describe(start: Int64, stats: [SensorStats], tasks: Int) -> String {
        let offset = start - SensorStream.epoch
        let all = stats.reduce(SensorStats()) { $0.merged(with: $1) }
        let hottest = stats.indices.max { stats[$0].maximum < stats[$1].maximum } ?? 0
        return "  window [\(Format.fixed(Double(offset) / 1000, 1)) s, \(Format.fixed(Double(offset + windowLength) / 1000, 1)) s)  "
            + "\(Format.grouped(all.count)) readings  mean \(Format.fixed(all.sum / Double(max(1, all.count)), 2))  "
            + "max \(Format.fixed(all.maximum, 2)) (sensor \(hottest))  \(tasks) tasks"
    }

    /// The same stream grouped by window and sensor in one pass, with no watermark: the
    /// answer the windows must give when nothing is late.
    static func referenceWindows(rate: Int, sensors: Int, maxDelay: Int64, seconds: Int, seed: UInt64) -> [Int64: [SensorStats]] {
        var stream = SensorStream(rate: rate, sensors: sensors, maxDelay: maxDelay, seconds: seconds, seed: seed)
        var windows: [Int64: [SensorStats]] = [:]
        while true {
            let batch = stream.next(65_536)
            if batch.count == 0 { break }
            for row in 0..<batch.count {
                let start = batch.timestamps[row] - batch.timestamps[row] % windowLength
                windows[start, default: [SensorStats](repeating: SensorStats(), count: sensors)][batch.sensors[row]]
                    .add(batch.values[row])
            }
        }
        return windows
    }
}
