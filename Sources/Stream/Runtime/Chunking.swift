/// Splits work into tasks of a useful size: enough tasks to keep every worker busy and to
/// balance uneven chunks, but never so small that scheduling costs more than the work.
///
/// ```swift
/// Chunking.ranges(count: 10_000, workers: 2, minimumPerTask: 1_000)
/// // [0..<1250, 1250..<2500, …, 8750..<10000]: 8 ranges
/// Chunking.ranges(count: 500, workers: 2, minimumPerTask: 1_000)   // [0..<500]
/// ```
public enum Chunking {
    /// Contiguous ranges covering `0..<count`: about `tasksPerWorker` per worker, each at least
    /// `minimumPerTask` long (a smaller `count` gives one range), sizes differing by at most one.
    public static func ranges(
        count: Int,
        workers: Int,
        minimumPerTask: Int = 4096,
        tasksPerWorker: Int = 4
    ) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let wanted = max(1, workers) * max(1, tasksPerWorker)
        let affordable = max(1, count / max(1, minimumPerTask))
        let pieces = min(wanted, affordable)
        let base = count / pieces
        let extra = count % pieces
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(pieces)
        var start = 0
        for piece in 0..<pieces {
            let length = base + (piece < extra ? 1 : 0)
            ranges.append(start..<start + length)
            start += length
        }
        return ranges
    }
}
