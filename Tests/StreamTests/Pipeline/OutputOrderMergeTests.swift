import PropertyBased
import Testing
@testable import Stream

/// What a stateful step's ranges emitted for a batch, put in stream order by merging them.
@Suite struct OutputOrderMergeTests {
    /// Per range, outputs at random positions, phases and times, each range with key groups of
    /// its own; shuffled when the draw says so (a range's output out of order).
    static let ranges = Gen.int(in: 0...40).array(of: 0...30).array(of: 1...4).map { draws -> [[OutputOrder]] in
        draws.enumerated().map { range, values in
            var orders = values.enumerated().map { sequence, value in
                OutputOrder(position: value / 4, phase: value % 2, time: Int64(value % 3), keyGroup: range * 10 + value % 5,
                            keyHash: UInt64(value % 7), sequence: sequence)
            }
            if values.first.map({ $0 % 3 == 0 }) != true { orders.sort() }
            return orders
        }
    }

    @Test func mergingTheRangesGivesWhatSortingThemAllGives() async {
        await propertyCheck(count: 300, input: Self.ranges) { ranges in
            let merged = OutputOrder.merged(ranges).map { ranges[$0.range][$0.index] }
            let sorted = ranges.flatMap { $0 }.sorted()
            #expect(merged.count == sorted.count)
            #expect(zip(merged, sorted).allSatisfy { $0.position == $1.position && $0.phase == $1.phase && $0.time == $1.time
                && $0.keyGroup == $1.keyGroup && $0.keyHash == $1.keyHash && $0.sequence == $1.sequence })
        }
    }

    @Test func aRangeOutOfOrderIsSortedOnItsOwn() {
        let late = OutputOrder(position: 5, phase: 1, time: 3, keyGroup: 1, keyHash: 0, sequence: 0)
        let early = OutputOrder(position: 2, phase: 0, time: 0, keyGroup: 1, keyHash: 0, sequence: 1)
        let other = OutputOrder(position: 3, phase: 0, time: 0, keyGroup: 7, keyHash: 0, sequence: 0)
        let merged = OutputOrder.merged([[late, early], [other]])
        #expect(merged.map(\.range) == [0, 1, 0])
        #expect(merged.map(\.index) == [1, 0, 0])
    }
}
