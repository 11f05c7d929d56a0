/// One task of a group job, as a run sees it: a sub-pipeline (the steps between the sources or
/// exchanges and the sinks or exchanges) over one partition number. Each task runs as a job run
/// of its own, with its own checkpoints, so it can move between instances whole.
///
/// ```swift
/// if let task = context.run.task { reader = partitions([Int32(task.partition)]) }
/// ```
public struct TaskScope: Sendable {
    /// Which sub-pipeline: 0 reads the sources; each later one reads exchanges.
    public let subPipeline: Int
    /// The partition this task reads: of the sources' topics, or of the exchanges' topics.
    public let partition: Int
    /// How many tasks each sub-pipeline has (the sources' partitions).
    public let tasks: Int
    /// The consumer group membership that gave this instance the task; a source of sub-pipeline 0
    /// commits its offsets to the group through it.
    public let member: any GroupMember
    /// The steps this task runs.
    let steps: Set<Int>
    /// What the task does at each exchange step it touches.
    let exchanges: [Int: ExchangeRole]

    /// A short name, the same on every instance: `s1-p3`.
    public var name: String { "s\(subPipeline)-p\(partition)" }

    /// The exchange steps this task reads (they are its sources).
    var readers: Set<Int> {
        Set(exchanges.compactMap { step, role in if case .read = role { step } else { nil } })
    }
}

/// What a task does at an exchange: writes the records it has into the repartition topic, or
/// reads its partition of that topic as a source.
enum ExchangeRole: Sendable {
    case write(ExchangeEndpoint)
    case read(ExchangeEndpoint)
}

/// An exchange of a group job: its repartition topic and the names its state and position go by.
struct ExchangeEndpoint: Sendable {
    let step: Int
    /// The keyed step it feeds (or `step-<n>`): names the topic, the writer's state and the reader's position.
    let name: String
    let topic: String
    let partitions: Int
    let coordination: any GroupCoordination

    var writerID: String { "\(name)/exchange-out" }
    var readerID: String { "\(name)/exchange-in" }
}
