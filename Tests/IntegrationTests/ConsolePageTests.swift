import Foundation
import Testing
@testable import Connectors

/// The console page in a real headless browser (Chromium through chromedriver) against a
/// running clickstream job: the graph shows every step, the numbers change between two looks,
/// a partition made idle shows as idle with the explanation; a screenshot goes to out/.
@Suite(.timeLimit(.minutes(3))) struct ConsolePageTests {
    @Test func theDashboardShowsTheJobLiveInABrowser() throws {
        try #require(WebDriver.isInstalled, "chromedriver is not installed (make test installs chromium and chromium-driver)")
        // Clicks only on partition 0: partition 1 stays silent, and is idle after 300 ms.
        let kafka = try ExplainCommandTests.broker(clicksTo: [0])
        let directory = NSTemporaryDirectory() + "console-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = "\(directory).log"
        let job = try StreamJobProcess(["run", "clickstream", "--set", "bootstrap=\(kafka.bootstrapServers)", "--set", "output=\(directory)/out.csv",
                                        "--set", "idle-ms=300", "--checkpoint-dir", "\(directory)/state", "--checkpoint-interval", "500ms",
                                        "--ui-port", "0", "--quiet"], log: log)
        defer { job.kill(SIGTERM) }
        var port: Int?
        for _ in 0..<200 where port == nil {
            _ = job.waitForExit(seconds: 0.05)
            port = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
                .first { $0.hasPrefix("console: http://127.0.0.1:") }
                .flatMap { Int($0.dropFirst("console: http://127.0.0.1:".count).prefix { $0.isNumber }) }
        }
        let console = try #require(port, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")

        let browser = try WebDriver()
        try browser.open("http://127.0.0.1:\(console)/")
        func look(_ script: String) throws -> String { "\(try browser.run(script) ?? "")" }
        func waitFor(_ what: String, _ script: String, until done: (String) -> Bool) throws -> String {
            var seen = ""
            for _ in 0..<200 {
                seen = try look(script)
                if done(seen) { return seen }
                usleep(50_000)
            }
            Issue.record("the page never showed \(what); last: \(seen)")
            return seen
        }

        let first = try waitFor("the clicks read", "return document.querySelector('#records-in').textContent") { Int($0) == 200 }
        // Every step of the graph is drawn.
        let steps = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(string: "http://127.0.0.1:\(console)/api/v1/steps")!)) as? [[String: Any]] ?? []
        #expect(steps.count >= 6)
        for step in steps {
            let label = (step["name"] as? String) ?? (step["kind"] as? String) ?? ""
            #expect(try browser.isTrue("return document.querySelector('#graph [data-step=\"\(label)\"]') !== null"), "step \(label) is not drawn")
        }
        // The silent partition shows as idle, and the window step's explanation names it.
        _ = try waitFor("clicks[1] idle", "return document.querySelector('#partitions tr[data-partition=\"clicks[1]\"] td.state').textContent") {
            $0.hasPrefix("idle")
        }
        let explanation = try look("return document.querySelector('#windows [data-window=\"per-page\"]').textContent")
        #expect(explanation.contains("per-page") && explanation.contains("watermark"), "\(explanation)")

        // More clicks: the numbers change between two looks.
        let producer = try KafkaProducer(bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "5"])
        for index in 0..<100 {
            let time = ExplainCommandTests.base + 2_000 + Int64(index) * 10
            try producer.send(topic: "clicks", partition: 0, key: nil, value: Array(#"{"time":\#(time),"user":"u","page":"/p"}"#.utf8), timestamp: time)
        }
        try producer.flush()
        let second = try waitFor("the new clicks", "return document.querySelector('#records-in').textContent") { Int($0) == 300 }
        #expect(first != second)
        // The charts draw once the page has two rates to join (three looks at the API).
        _ = try waitFor("the throughput chart", "return String(document.querySelector('#chart-throughput polyline') !== null)") { $0 == "true" }
        #expect(try browser.isTrue("return document.querySelectorAll('#checkpoints tbody tr').length > 0"))
        #expect(try look("return document.querySelector('#checkpoints tbody tr').textContent").contains("restorable"))
        // Each step's figures in the API: the source's records out, the window step's late records.
        let figures = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(string: "http://127.0.0.1:\(console)/api/v1/steps")!)) as? [[String: Any]] ?? []
        #expect(figures.first { $0["name"] as? String == "clicks" }?["recordsOut"] as? Int == 300)
        #expect(figures.first { $0["name"] as? String == "per-page" }?["lateRecords"] as? Int == 0)

        let shot = try browser.screenshot()
        try FileManager.default.createDirectory(atPath: "out", withIntermediateDirectories: true)
        try shot.write(to: URL(fileURLWithPath: "out/console-dashboard.png"))
        #expect(shot.count > 10_000)
    }
}
