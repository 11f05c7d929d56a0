import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Stream

/// `stream-job explain [pipeline] --port P`: asks a running job (started with `--ui-port P`)
/// why its windows are or are not firing, and prints the answer for each window step.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say why a running job's windows are not firing: what holds each window step's watermark.",
        discussion: """
            Reads the console API of a job started with --ui-port. For each window step: which
            source partition holds its watermark and since when, whether idleness would release it,
            when the earliest open window fires at the current rate, and the common
            misconfigurations (a silent partition without idleness, event time in seconds, a
            watermark delay longer than the window) with the setting to change.

            Examples:
              stream-job run clickstream --ui-port 8081 &
              stream-job explain clickstream --port 8081
            """)

    @Argument(help: "The pipeline the job runs (checked against the job's, when given).") var pipeline: String?
    @Option(help: "The job's console port (its --ui-port).") var port: Int
    @Option(help: "The job's console address.") var host = "127.0.0.1"

    func run() async throws {
        let job: ConsoleAPI.JobDocument = try await fetch("/api/v1/job")
        if let pipeline, let running = job.pipeline, running != pipeline {
            throw ValidationError("the job on \(host):\(port) runs pipeline '\(running)', not '\(pipeline)'")
        }
        let watermarks: ConsoleAPI.WatermarksDocument = try await fetch("/api/v1/watermarks")
        print("job '\(job.name)'" + (job.pipeline.map { " (pipeline \($0))" } ?? "") + ": \(job.recordsIn) records in, \(job.recordsOut) out")
        if watermarks.windows.isEmpty { print("no window step has seen a batch yet") }
        for window in watermarks.windows {
            print("window step '\(window.progress.step)':")
            for sentence in window.explanation { print("  \(sentence)") }
        }
        if !watermarks.partitions.isEmpty { print("input partitions:") }
        for partition in watermarks.partitions {
            let latest = partition.maxTimestamp.map { "latest event time \($0)" } ?? "nothing sent yet"
            let last = partition.lastRecordAt.map { ", last record \(max(0, watermarks.now - $0)) ms ago" } ?? ""
            print("  \(partition.partition) (source '\(partition.source)'): \(latest)\(last)\(partition.isIdle ? ", idle" : "")")
        }
    }

    private func fetch<Document: Decodable>(_ path: String) async throws -> Document {
        guard let url = URL(string: "http://\(host):\(port)\(path)") else { throw ValidationError("'\(host)' is not a host") }
        let data: Data
        do {
            (data, _) = try await URLSession.shared.data(from: url)
        } catch {
            throw ValidationError("no job answers on \(host):\(port) (start it with --ui-port \(port)): \(error.localizedDescription)")
        }
        return try JSONDecoder().decode(Document.self, from: data)
    }
}
