import Testing
import Stream

@Suite struct ChunkingTests {
    @Test(arguments: [0, 1, 999, 1_000, 4_096, 10_000, 1_234_567])
    func rangesCoverEverythingOnceWithBalancedSizes(count: Int) {
        let ranges = Chunking.ranges(count: count, workers: 2, minimumPerTask: 1_000)
        #expect(ranges.reduce(0) { $0 + $1.count } == count)
        for (left, right) in zip(ranges, ranges.dropFirst()) { #expect(left.upperBound == right.lowerBound) }
        if let first = ranges.first { #expect(first.lowerBound == 0) }
        let sizes = ranges.map(\.count)
        if let small = sizes.min(), let large = sizes.max() { #expect(large - small <= 1) }
        if ranges.count > 1 { #expect(sizes.allSatisfy { $0 >= 1_000 }) }
        #expect(ranges.count <= 8)
    }

    @Test func smallInputIsOneTask() {
        #expect(Chunking.ranges(count: 500, workers: 2, minimumPerTask: 1_000) == [0..<500])
    }
}
