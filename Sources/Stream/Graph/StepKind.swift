/// What a step of a job's graph does: the typed description that validation, `stream-job graph`
/// and the executor read (the executor builds each kind into its running form, see
/// `Execution/Executor.swift`).
///
/// ```swift
/// job.steps.map(\.kind)   // [.source, .transform("map"), .eventTime, .window(.tumbling(…)), .lateRecords, .sink]
/// ```
public enum StepKind: Sendable, Hashable, CustomStringConvertible {
    /// Reads batches from outside (files, Kafka, a generator).
    case source
    /// A stateless batch transform (`map`, `filter`, …), named by its operator.
    case transform(String)
    /// Gives records their event time and makes watermarks.
    case eventTime
    /// Gives records the processing time at which they arrived.
    case processingTime
    /// A keyed event-time window; its results are this step's output.
    case window(WindowSpec)
    /// The late records of the window step that is its input.
    case lateRecords
    /// A stateful keyed step (a ``KeyedProcessFunction``).
    case process
    /// Several streams of one type merged into one, aligned on their watermarks.
    case union
    /// Writes batches out.
    case sink
    /// Hands records to the instance that owns their key: a pass-through in one process; in a
    /// group job, a cut through a repartition topic (see ``KeyPartitioning``).
    case exchange

    /// Whether the step is another output of the step it reads (a window's late records), not a
    /// consumer of that step's main output.
    var isSideOutput: Bool { self == .lateRecords }

    /// Whether an unconsumed output is allowed: a late stream left unconnected is counted and
    /// logged, not lost silently.
    var outputMayBeUnconnected: Bool { self == .sink || self == .lateRecords }

    public var description: String {
        switch self {
        case .source: "source"
        case .transform(let name): name
        case .eventTime: "eventTime"
        case .processingTime: "processingTime"
        case .window: "window"
        case .lateRecords: "late"
        case .process: "process"
        case .union: "union"
        case .sink: "sink"
        case .exchange: "exchange"
        }
    }
}
