/// What a finished run did.
public struct JobSummary: Sendable, Equatable {
    public init() {}

    /// Records read from every source.
    public var recordsRead = 0
    /// Records written to every sink.
    public var recordsWritten = 0
    /// Late records that reached no sink because the window's late stream was not connected.
    public var lateRecordsUnconnected = 0
    /// Bad records sent to a dead-letter destination instead of failing the job.
    public var deadLetters = 0
    /// Records a source could no longer read and skipped, by its explicit policy (a Kafka
    /// topic's retention deleted them first, say).
    public var recordsLost = 0
    /// Checkpoints written and committed.
    public var checkpoints = 0
    /// Checkpoints that failed to write (each retried by the next).
    public var failedCheckpoints = 0
    /// The last checkpoint attempted.
    public var lastCheckpoint: CheckpointReport?
    /// How long reading, verifying and loading the restored checkpoint took (nil on a fresh start).
    public var restoreDuration: Duration?
    /// How long after the start of the run the first records reached a sink.
    public var firstOutputAfter: Duration?
}

extension JobSummary {
    /// Adds another run's counts (a group job's tasks): totals summed, the latest checkpoint
    /// kept, the longest restore and the earliest first output.
    mutating func add(_ other: JobSummary) {
        recordsRead += other.recordsRead
        recordsWritten += other.recordsWritten
        lateRecordsUnconnected += other.lateRecordsUnconnected
        deadLetters += other.deadLetters
        recordsLost += other.recordsLost
        checkpoints += other.checkpoints
        failedCheckpoints += other.failedCheckpoints
        lastCheckpoint = other.lastCheckpoint ?? lastCheckpoint
        if let restore = other.restoreDuration { restoreDuration = max(restoreDuration ?? restore, restore) }
        if let first = other.firstOutputAfter { firstOutputAfter = min(firstOutputAfter ?? first, first) }
    }
}
