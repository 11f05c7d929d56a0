import Foundation
import Testing

/// The README's walkthrough: its example is the source of `Examples/ClickJobs`, which builds
/// with the package, and the binary has the same command line as `stream-job`.
@Suite struct ClickJobsExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theReadmeShowsTheExampleAsItIs() throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let example = try String(contentsOf: Self.repository.appendingPathComponent("Examples/ClickJobs/ClickJobs.swift"), encoding: .utf8)
        #expect(readme.contains("```swift\n" + example + "```"))
    }

    @Test func theExampleRunsResumesAndReplaysItsPipelines() throws {
        let directory = NSTemporaryDirectory() + "click-jobs-\(UUID().uuidString.prefix(8))"
        let input = Self.repository.appendingPathComponent("Examples/data/clicks.csv").path
        let listed = try StreamJobBinary.run(["pipelines"], executable: "ClickJobs")
        #expect(listed.status == 0)
        #expect(listed.output.contains("clicks-per-minute") && listed.output.contains("first-visits"))

        let run = try StreamJobBinary.run(["run", "clicks-per-minute", "--set", "input=\(input)", "--set", "output=\(directory)/out/counts.csv",
                                           "--checkpoint-dir", "\(directory)/state"], executable: "ClickJobs")
        #expect(run.status == 0, "\(run.error)")
        #expect(run.error.contains("job 'clicks-per-minute' finished: 5000 records read"))
        let counts = try String(contentsOfFile: "\(directory)/out/counts.csv", encoding: .utf8).split(separator: "\n")
        let clicks = counts.compactMap { Int($0.split(separator: ",").last ?? "") }.reduce(0, +)
        let late = try String(contentsOfFile: "\(directory)/out/counts.csv.late", encoding: .utf8).split(separator: "\n").count
        #expect(clicks + late == 5000)

        let again = try StreamJobBinary.run(["run", "clicks-per-minute", "--set", "input=\(input)", "--set", "output=\(directory)/out/counts.csv",
                                             "--checkpoint-dir", "\(directory)/state", "--restore", "latest"], executable: "ClickJobs")
        #expect(again.status == 0, "\(again.error)")
        #expect(again.error.contains("0 records read"))
        #expect(try String(contentsOfFile: "\(directory)/out/counts.csv", encoding: .utf8).split(separator: "\n") == counts)

        let replay = try StreamJobBinary.run(["replay", "clicks-per-minute", "--set", "input=\(input)", "--checkpoint-dir", "\(directory)/state",
                                              "--from", "latest", "--output-dir", "\(directory)/replay"], executable: "ClickJobs")
        #expect(replay.status == 0, "\(replay.error)")

        let visits = try StreamJobBinary.run(["run", "first-visits", "--set", "input=\(input)"], executable: "ClickJobs")
        #expect(visits.status == 0, "\(visits.error)")
        let lines = visits.output.split(separator: "\n")
        #expect(lines.count > 50 && lines.count < 5000)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
