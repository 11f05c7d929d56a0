import PropertyBased
import Testing
@testable import Stream

@Suite struct KeyedTableTests {
    /// Against a plain model: same indices, insertion order kept, through growth; hashes are
    /// made to collide often (only 8 distinct) so probing and key comparison are exercised.
    @Test func behavesLikeAnInsertionOrderedDictionary() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...300).array(of: 0...2_000)) { keys in
            var table = KeyedTable<Int, Int>()
            var order: [Int] = []
            var model: [Int: Int] = [:]
            for key in keys {
                // Few distinct hashes, half with the same top bits (the slots' tags), half not.
                let hash = UInt64(key % 8) | (key % 2 == 0 ? 0 : UInt64(key % 3) << 40)
                let (index, inserted) = table.findOrAppend(key, hash: hash) { 0 }
                #expect(inserted == (model[key] == nil))
                if inserted { model[key] = order.count; order.append(key) }
                #expect(index == model[key])
                table[valueAt: index] += 1
            }
            let counts = keys.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
            #expect((0..<table.count).map { table.key(at: $0) } == order)
            #expect((0..<table.count).map { table[valueAt: $0] } == order.map { counts[$0]! })
        }
    }

    @Test func stableHashesAreTheSameOnEveryRunAndMachine() {
        // Pinned values (computed independently from FNV-1a and the mix): key groups, and so
        // checkpointed state, must not move between runs, machines or versions.
        #expect("k00042".stableHash == 0xEF04_D0C7_63A7_A432)
        #expect(42.stableHash == 0x8108_7960_8E42_59CC)
        #expect(KeyGroups(count: 128).group(of: "user-1") == 69)
        #expect(KeyGroups(count: 128).ranges(parallelism: 3) == [0..<42, 42..<85, 85..<128])
    }

    @Test func aCompositeKeysHashIsPinnedAndDependsOnTheOrder() {
        #expect(CompositeKey("k00042", 42).stableHash == 0x0819_3B58_3702_36A6)
        #expect(CompositeKey(42, "k00042").stableHash == 0x2F94_694C_1063_09F7)
        #expect(CompositeKey("user-1", "/page/2") == CompositeKey("user-1", "/page/2"))
        #expect(CompositeKey("user-1", "/page/2") != CompositeKey("user-1", "/page/3"))
        #expect(CompositeKey("user-1", "/page/2").description == "(user-1, /page/2)")
    }

    @Test func keyedStateWithCompositeKeysRoundTripsThroughACheckpointInColumns() throws {
        var state = KeyedState<CompositeKey<String, Int>, Int64>()
        for user in 0..<50 { for page in 0..<4 { state[CompositeKey("user-\(user)", page)] = Int64(user * 10 + page) } }
        let bytes = try StateCodec.encode(state, step: "visits")
        let back = try StateCodec.decode(KeyedState<CompositeKey<String, Int>, Int64>.self, from: bytes, step: "visits")
        #expect(back.count == 200)
        #expect(back.entries.allSatisfy { key, entry in state.entries[key]?.value == entry.value && state.entries[key]?.keyGroup == entry.keyGroup })
    }
}
