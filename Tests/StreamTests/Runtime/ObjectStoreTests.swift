import Synchronization
import Testing
@testable import Stream

@Suite struct ObjectStoreTests {
    @Test func oneObjectReadByAHundredTasksIsStoredOnce() async throws {
        let runtime = Runtime(workers: 4)
        let size = 1 << 20
        let addresses = Mutex<Set<UInt>>([])
        do {
            let object = runtime.put([UInt8](repeating: 7, count: size))
            let original = try await object.value.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            let readers = (0..<100).map { _ in
                runtime.submit(after: object) { bytes in
                    let address = bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
                    addresses.withLock { _ = $0.insert(address) }
                }
            }
            _ = try await runtime.get(readers)
            #expect(addresses.withLock { $0 } == [original], "every reader saw the one stored buffer")
            let stats = runtime.stats
            #expect(stats.objectsHeld >= 101, "the object and the readers' results")
            #expect(stats.bytesHeld == size, "one copy of the 1 MiB object; the readers return nothing")
        }
        // A worker may hold the last task it ran for an instant after completing it; once the
        // workers are joined, only what the test holds is alive.
        runtime.shutdown()
        let after = runtime.stats
        #expect(after.objectsHeld == 0, "objects are freed once nothing refers to them")
        #expect(after.bytesHeld == 0)
    }

    @Test func resultsAreCountedWhileReferenced() async throws {
        let runtime = Runtime(workers: 2)
        var refs = runtime.submitBatch(count: 10) { i in [Int](repeating: i, count: 100) }
        _ = try await runtime.get(refs)
        runtime.shutdown()  // joins the workers, so none still holds a task it ran
        #expect(runtime.stats.objectsHeld == 10)
        #expect(runtime.stats.bytesHeld == 10 * 100 * MemoryLayout<Int>.stride)
        refs.removeLast(5)
        #expect(runtime.stats.objectsHeld == 5)
    }
}
