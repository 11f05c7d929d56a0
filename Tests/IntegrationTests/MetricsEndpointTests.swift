import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `--metrics-port`: the Prometheus endpoint of a running job answers in the text format, and
/// its counters match what the job processed; SIGTERM then stops the job with a final checkpoint.
@Suite struct MetricsEndpointTests {
    func get(_ url: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// The value of the sample `name` (with its labels) in Prometheus text, if present.
    func sample(_ name: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func theEndpointCountsWhatTheJobProcessed() async throws {
        let directory = NSTemporaryDirectory() + "metrics-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var lines = ""
        for index in 0..<5_000 { lines += "\(1_700_000_000_000 + index),k\(index % 37),\(index % 10)\n" }
        lines += "not an event\nnor this\n"
        try lines.write(toFile: "\(directory)/in.csv", atomically: true, encoding: .utf8)
        let log = "\(directory)/log.txt"
        let job = try StreamJobProcess(["run", "w1-windows", "--set", "input=\(directory)/in.csv", "--set", "follow=true",
                                        "--set", "output=\(directory)/out.csv", "--set", "bad-records=\(directory)/bad.jsonl", "--metrics-port", "0",
                                        "--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "100ms"], log: log)
        var address: String?
        for _ in 0..<200 where address == nil {
            if job.waitForExit(seconds: 0.05) { break }
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            address = text.split(separator: "\n").first { $0.hasPrefix("metrics: ") }.map { String($0.dropFirst("metrics: ".count)) }
        }
        let url = try #require(address, "no metrics address in: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(url.hasPrefix("http://127.0.0.1:"))

        var text = ""
        for _ in 0..<200 {
            text = try await get(url).body
            if sample("stream_records_in_total{step=\"per-window\"}", in: text) == 5_000,
               (sample("stream_open_windows{step=\"per-window\"}", in: text) ?? 0) > 0,
               (sample("stream_checkpoints_total", in: text) ?? 0) >= 2 { break }
            _ = job.waitForExit(seconds: 0.05)
        }
        #expect(text.contains("# TYPE stream_records_out_total counter"))
        #expect(sample("stream_records_out_total{step=\"events\"}", in: text) == 5_000)
        #expect(sample("stream_records_in_total{step=\"per-window\"}", in: text) == 5_000)
        #expect(sample("stream_open_windows{step=\"per-window\"}", in: text) ?? 0 > 0)
        #expect(sample("stream_watermark_ms{step=\"events/event-time\"}", in: text).map { Int64($0) } == 1_700_000_002_999)
        #expect((sample("stream_checkpoints_total", in: text) ?? 0) >= 1)
        #expect(sample("stream_checkpoint_failures_total", in: text) ?? 0 == 0)
        #expect(sample("stream_dead_letters_total{step=\"events\"}", in: text) == 2)
        #expect(sample("stream_errors_total{step=\"w1-windows\"}", in: text) == 0, "exported before any error")
        #expect(try await get(url.replacingOccurrences(of: "/metrics", with: "/other")).status == 404)

        job.kill(SIGTERM)
        #expect(job.status == 0)
        let output = try String(contentsOfFile: log, encoding: .utf8)
        #expect(output.contains("job 'w1-windows' stopped: 5000 records read"))
        try? FileManager.default.removeItem(atPath: directory)
    }
}
