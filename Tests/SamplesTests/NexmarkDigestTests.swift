import Connectors
import Foundation
import Samples
import Stream
import Testing

/// `--set digest=true`, what `bench nexmark` runs: the pipeline's rows, formatted and
/// fingerprinted instead of written, give the reference computation's digest.
@Suite struct NexmarkDigestTests {
    @Test func aQuerysDigestIsTheReferencesDigest() async throws {
        let directory = NexmarkQueryTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let events = NexmarkEvents(30_000, generator: NexmarkGenerator(rate: 10_000))
        for (pipeline, query) in [(Pipelines.nexmarkQ1, "q1"), (Pipelines.nexmarkQ5, "q5"), (Pipelines.nexmarkQ7, "q7")] {
            let output = "\(directory)/\(query).digest"
            let settings = PipelineSettings(["generate": "30000", "rate": "10000", "output": output, "digest": "true"])
            try await pipeline.build(settings).run(on: Runtime(workers: 2))
            let digest = CSVDigest(try String(contentsOfFile: output, encoding: .utf8))
            let expected = NexmarkReference.digest(query, events)
            #expect(expected.rows > 0)
            #expect(digest == expected, "\(query)")
        }
    }
}
