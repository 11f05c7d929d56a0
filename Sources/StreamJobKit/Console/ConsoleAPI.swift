import Foundation
import Stream

/// The console's JSON API over a running job: what `--ui-port` serves and `stream-job explain`
/// reads. Each document is built fresh from the job's graph and live progress.
///
/// - `GET /api/v1/job`: name, pipeline and settings, records in and out, late records, the
///   watermark, back-pressure, open windows, processing time now.
/// - `GET /api/v1/steps`: the graph: each step's number, kind, name and inputs.
/// - `GET /api/v1/watermarks`: every source partition's event time (latest timestamp, last
///   record, idleness) and every window step's watermark, next window and rate, with the
///   sentences that say what holds it (``WatermarkExplanation``).
/// - `GET /api/v1/checkpoints`: the last checkpoints: number, bytes, duration, failure.
///
/// ```sh
/// stream-job run clickstream --ui-port 8081 &
/// curl -s 127.0.0.1:8081/api/v1/watermarks
/// ```
struct ConsoleAPI: Sendable {
    let job: Job
    let pipeline: String?
    let settings: [String: String]
    let progress: RunProgress
    let startedAt = systemMilliseconds()

    struct JobDocument: Codable {
        var name: String
        var pipeline: String?
        var settings: [String: String]
        var startedAt: Int64
        var now: Int64
        var recordsIn: Int
        var recordsOut: Int
        var lateRecords: Int
        var watermark: Int64?
        var backPressureSeconds: Double
        var openWindows: Int
    }

    struct StepDocument: Codable {
        var id: Int
        var kind: String
        var name: String?
        var inputs: [Int]
        var window: String?
        /// Records in and out so far, late records, dead letters, and how long the job waited
        /// on the step's work (absent for steps that do not count them).
        var recordsIn: Int?
        var recordsOut: Int?
        var lateRecords: Int?
        var deadLetters: Int?
        var backPressureSeconds: Double?
    }

    struct WindowDocument: Codable {
        var progress: WindowProgress
        var explanation: [String]
    }

    struct WatermarksDocument: Codable {
        var now: Int64
        var partitions: [PartitionProgress]
        var windows: [WindowDocument]
    }

    struct CheckpointDocument: Codable {
        var id: Int
        var bytes: Int
        var durationMs: Int64
        var createdAt: Int64
        var error: String?
        /// Whether a restore can use it: written and committed (a failed one never is).
        var restorable: Bool
    }

    /// The console page (at `/`), or the JSON document at `path`; nil for a path there is none at.
    func response(at path: String) throws -> (body: Data, contentType: String)? {
        if path == "/" || path == "/index.html" { return (Data(ConsolePage.html.utf8), "text/html; charset=utf-8") }
        return try document(at: path).map { ($0, "application/json") }
    }

    /// The JSON document at `path`; nil for a path the API does not have.
    func document(at path: String) throws -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        switch path {
        case "/api/v1/job": return try encoder.encode(jobDocument())
        case "/api/v1/steps": return try encoder.encode(stepsDocument())
        case "/api/v1/watermarks": return try encoder.encode(watermarksDocument(now: systemMilliseconds()))
        case "/api/v1/checkpoints":
            return try encoder.encode(progress.checkpoints.map {
                CheckpointDocument(id: $0.id, bytes: $0.bytes, durationMs: $0.duration.milliseconds, createdAt: $0.createdAt, error: $0.error,
                                   restorable: $0.error == nil)
            })
        default: return nil
        }
    }

    func jobDocument() -> JobDocument {
        let watermark = progress.watermark
        return JobDocument(name: job.name, pipeline: pipeline, settings: settings, startedAt: startedAt, now: systemMilliseconds(),
                           recordsIn: progress.recordsIn, recordsOut: progress.recordsOut, lateRecords: progress.lateRecords,
                           watermark: watermark > EventTime.beginning ? watermark : nil,
                           backPressureSeconds: Double(progress.backPressure.milliseconds) / 1_000, openWindows: progress.openWindows)
    }

    func stepsDocument() -> [StepDocument] {
        let counters = progress.stepCounters
        return job.steps.map { step in
            var window: String?
            if case .window(let spec) = step.kind { window = "\(spec)" }
            // A step's counters go by its id, or by kind and number for an unnamed transform.
            let counter = counters[step.name ?? "\(step.kind)#\(step.id)"]
            return StepDocument(id: step.id, kind: "\(step.kind)", name: step.name, inputs: step.inputs, window: window,
                                recordsIn: counter?.recordsIn, recordsOut: counter?.recordsOut, lateRecords: counter?.lateRecords,
                                deadLetters: counter?.deadLetters, backPressureSeconds: counter.map { Double($0.backPressure.milliseconds) / 1_000 })
        }
    }

    func watermarksDocument(now: Int64) -> WatermarksDocument {
        let partitions = progress.sourcePartitions
        return WatermarksDocument(now: now, partitions: partitions, windows: progress.windowSteps.map { window in
            WindowDocument(progress: window, explanation: WatermarkExplanation.explain(window, partitions: partitions, now: now))
        })
    }
}

/// Processing time now, in milliseconds since the epoch.
func systemMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }
