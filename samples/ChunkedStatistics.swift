public import Stream

/// Chunked data processing: one large data set stored once in the object store, split into
/// chunks, each chunk summarized by a task, the summaries merged by a task that depends on
/// them all.
public enum ChunkedStatistics {
    public static func run(
        runtime: Runtime,
        count: Int = 4_000_000,
        seed: UInt64 = 42,
        print: @escaping @Sendable (String) -> Void
    ) async throws -> [SampleCheck] {
        var random = SeededRandom(seed: seed)
        let values = (0..<count).map { _ in 50 + 12 * random.normal() }

        let data = runtime.put(values)
        let ranges = Chunking.ranges(count: count, workers: runtime.workerCount, minimumPerTask: 65_536)
        let partials = ranges.map { range in
            runtime.submit(after: data) { values in Summary(values[range]) }
        }
        let merged = runtime.submit(afterAll: partials) { parts in
            parts.reduce(Summary()) { $0.merged(with: $1) }
        }
        let result = try await merged.value
        let heldWhileShared = runtime.stats

        print("chunked: \(Format.grouped(count)) values in \(ranges.count) chunk tasks on \(runtime.workerCount) workers")
        print("  count \(Format.grouped(result.count))  mean \(Format.fixed(result.mean, 4))  "
            + "std \(Format.fixed(result.variance.squareRoot(), 4))  "
            + "min \(Format.fixed(result.minimum, 2))  max \(Format.fixed(result.maximum, 2))")
        print("  histogram 0…100 in 5s: \(result.sparkline)")
        print("  object store: \(heldWhileShared.objectsHeld) objects, "
            + "\(Format.grouped(heldWhileShared.bytesHeld)) bytes held (the data set once)")

        let reference = Summary(values[...])
        return [
            SampleCheck("count, min, max and histogram equal the sequential computation",
                        passed: result.count == reference.count && result.minimum == reference.minimum
                            && result.maximum == reference.maximum && result.histogram == reference.histogram),
            SampleCheck("mean, variance and sum agree with it to 1e-9",
                        passed: Format.close(result.mean, reference.mean) && Format.close(result.variance, reference.variance)
                            && Format.close(result.sum, reference.sum),
                        detail: "mean \(result.mean) vs \(reference.mean)"),
            SampleCheck("the data set is held once while chunk tasks share it",
                        passed: heldWhileShared.bytesHeld < values.byteCount + 4096 * ranges.count,
                        detail: "\(heldWhileShared.bytesHeld) bytes held for a \(values.byteCount)-byte data set"),
        ]
    }
}

/// Count, sum, mean, variance (Welford), extremes and a 20-bin histogram of some values;
/// two summaries merge exactly as if their values had been summarized together (Chan et al.).
struct Summary: Sendable, Equatable {
    static let bins = 20
    static let binWidth = 5.0

    var count = 0
    var sum = 0.0
    var mean = 0.0
    var m2 = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var histogram = [Int](repeating: 0, count: Summary.bins)

    init() {}

    init(_ values: ArraySlice<Double>) {
        for value in values {
            count += 1
            sum += value
            let delta = value - mean
            mean += delta / Double(count)
            m2 += delta * (value - mean)
            minimum = min(minimum, value)
            maximum = max(maximum, value)
            let bin = Int((value / Self.binWidth).rounded(.down))
            histogram[min(Self.bins - 1, max(0, bin))] += 1
        }
    }

    var variance: Double { count > 1 ? m2 / Double(count - 1) : 0 }

    func merged(with other: Summary) -> Summary {
        guard other.count > 0 else { return self }
        guard count > 0 else { return other }
        var out = Summary()
        out.count = count + other.count
        out.sum = sum + other.sum
        let delta = other.mean - mean
        out.mean = mean + delta * Double(other.count) / Double(out.count)
        out.m2 = m2 + other.m2 + delta * delta * Double(count) * Double(other.count) / Double(out.count)
        out.minimum = min(minimum, other.minimum)
        out.maximum = max(maximum, other.maximum)
        out.histogram = zip(histogram, other.histogram).map(+)
        return out
    }

    var sparkline: String {
        let marks = Array("▁▂▃▄▅▆▇█")
        let top = max(1, histogram.max() ?? 1)
        return String(histogram.map { marks[min(marks.count - 1, $0 * marks.count / (top + 1))] })
    }
}
