#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Metrics
import Stream

/// While a job runs: on a terminal, one status line on standard error updated in place every
/// second; otherwise the same as a log line every five seconds; nothing with `--quiet`. Also
/// copies the runtime's counters into gauges for the metrics endpoint.
///
/// ```text
/// w1-windows | in 5.1M/s (8.2M) | out 410k/s (650k) | lag 2.0s | open windows 3 | chk-4 0.8s ago | back-pressure 12%
/// ```
final class StatusReporter: Sendable {
    private let task: Task<Void, Never>
    private let interactive: Bool

    init(job: String, progress: RunProgress, runtime: Runtime, quiet: Bool) {
        let interactive = isatty(STDERR_FILENO) == 1
        self.interactive = interactive && !quiet
        let showing = !quiet
        task = Task.detached {
            let gauges = RuntimeGauges()
            var last = Snapshot(progress, at: ContinuousClock.now)
            let interval: Duration = interactive ? .seconds(1) : .seconds(5)
            let logger = Logger(label: "stream.status")
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                gauges.record(runtime.stats)
                let now = Snapshot(progress, at: ContinuousClock.now)
                guard showing else { last = now; continue }
                let line = StatusReporter.line(job: job, progress: progress, from: last, to: now)
                if interactive {
                    FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
                } else {
                    logger.info("\(line)")
                }
                last = now
            }
        }
    }

    /// Stops reporting; on a terminal, ends the status line.
    func stop() {
        task.cancel()
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    struct Snapshot {
        var at: ContinuousClock.Instant
        var recordsIn: Int
        var recordsOut: Int
        var waited: Duration

        init(_ progress: RunProgress, at instant: ContinuousClock.Instant) {
            at = instant
            recordsIn = progress.recordsIn
            recordsOut = progress.recordsOut
            waited = progress.backPressure
        }
    }

    static func line(job: String, progress: RunProgress, from: Snapshot, to: Snapshot) -> String {
        let seconds = max(0.001, Self.seconds(to.at - from.at))
        var parts = [job]
        parts.append("in \(rate(Double(to.recordsIn - from.recordsIn) / seconds))/s (\(count(to.recordsIn)))")
        parts.append("out \(rate(Double(to.recordsOut - from.recordsOut) / seconds))/s (\(count(to.recordsOut)))")
        let watermark = progress.watermark
        if watermark > EventTime.beginning {
            let lag = Double(systemEpochMilliseconds() - watermark) / 1000
            parts.append("lag \(String(format: lag < 100 ? "%.1fs" : "%.0fs", lag))")
        }
        parts.append("open windows \(progress.openWindows)")
        if let checkpoint = progress.lastCheckpoint {
            let age = Double(systemEpochMilliseconds() - checkpoint.createdAt) / 1000
            parts.append("chk-\(checkpoint.id) \(String(format: "%.1f", age))s ago")
        }
        if progress.checkpointFailures > 0 { parts.append("\(progress.checkpointFailures) checkpoints failed") }
        let waited = to.waited - from.waited
        let share = 100 * Self.seconds(waited) / seconds
        parts.append("back-pressure \(Int(min(100, share.rounded())))%")
        for (step, what) in progress.waitingFor.sorted(by: { $0.key < $1.key }) { parts.append("\(step) waits for \(what)") }
        return parts.joined(separator: " | ")
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func rate(_ value: Double) -> String { count(Int(value.rounded())) }

    static func count(_ value: Int) -> String {
        switch value {
        case 1_000_000...: String(format: "%.1fM", Double(value) / 1e6)
        case 1_000...: String(format: "%.1fk", Double(value) / 1e3)
        default: String(value)
        }
    }
}

/// The runtime's counters as gauges.
struct RuntimeGauges: Sendable {
    let tasksRun = Gauge(label: "stream_runtime_tasks_run")
    let tasksFailed = Gauge(label: "stream_runtime_tasks_failed")
    let objectsHeld = Gauge(label: "stream_runtime_objects_held")
    let bytesHeld = Gauge(label: "stream_runtime_bytes_held")
    let actorCalls = Gauge(label: "stream_runtime_actor_calls")
    let actorRestarts = Gauge(label: "stream_runtime_actor_restarts")
    let actorCallsWaiting = Gauge(label: "stream_runtime_actor_mailbox_depth")

    func record(_ stats: RuntimeStats) {
        tasksRun.record(stats.tasksRun)
        tasksFailed.record(stats.tasksFailed)
        objectsHeld.record(stats.objectsHeld)
        bytesHeld.record(stats.bytesHeld)
        actorCalls.record(stats.actorCalls)
        actorRestarts.record(stats.actorRestarts)
        actorCallsWaiting.record(stats.actorCallsWaiting)
    }
}
