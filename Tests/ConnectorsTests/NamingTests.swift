import Connectors
import Foundation
import Operators
import StreamTesting
import Testing

/// A file importing Foundation (whose `Stream` class once shadowed the engine's stream type)
/// can name the engine's types.
@Suite struct NamingTests {
    func doubled(_ numbers: DataStream<Int>) -> DataStream<Int> { numbers.map { $0 * 2 } }

    @Test func dataStreamCanBeNamedNextToFoundation() async throws {
        let job = Job("naming")
        let out = TestSink<Int>()
        doubled(job.source("numbers", .records([1, 2, 3]))).sink("out", out.sink)
        try await job.run(on: Runtime(workers: 1))
        #expect(out.values == [2, 4, 6])
    }
}
