/// How the instances of a group job share its work through an outside system (Kafka: its
/// consumer groups assign the tasks, its topics carry the exchanges). The engine has no
/// coordinator of its own; a source that reads in a group (``Source/group``) brings this.
///
/// ```swift
/// let member = try coordination.join(group: "clicks", topic: "clicks", tasks: listener)
/// ```
public protocol GroupCoordination: Sendable {
    /// The number of partitions `topic` has (each is a task of the sub-pipeline reading it).
    func partitionCount(of topic: String) throws -> Int
    /// Makes sure `topic` exists with `partitions` partitions, creating it if missing; throws,
    /// saying what to do, if it cannot be created or has another number of partitions.
    func ensureTopic(_ topic: String, partitions: Int) throws
    /// Joins consumer group `group` over `topic`: `tasks` hears which of the topic's partitions
    /// this instance holds, as that changes, on the member's own thread. A revocation waits for
    /// `tasks` to return, so the task is stopped before another instance starts it.
    func join(group: String, topic: String, tasks: TaskListener) throws -> any GroupMember
    /// Where an exchange's writer sends its messages (`topic`'s partitions, chosen per message).
    func exchangeOutlet(topic: String, step: String) throws -> any ExchangeOutlet
    /// Reads partition `partition` of `topic` from `offset` (0 from the oldest), for the source `context` describes.
    func exchangeInlet(topic: String, partition: Int, from offset: Int64, context: SourceContext) throws -> any ExchangeInlet
}

/// This instance's membership in one consumer group of a group job.
public protocol GroupMember: AnyObject, Sendable {
    /// The group's committed offsets of `partition` in each of `topics` (absent where none).
    func committedOffsets(topics: [String], partition: Int) -> [String: Int64]
    /// Commits `offsets` (topic → next offset) of `partition` as the group's, once a task's
    /// checkpoint holding them is durable; refused during a rebalance (the next checkpoint commits).
    func commit(_ offsets: [String: Int64], partition: Int) throws
    /// Leaves the group (blocking: call it off the cooperative pool).
    func leave()
}

/// Told which tasks (partition numbers) an instance holds, on the group member's own thread.
public struct TaskListener: Sendable {
    /// Gets the member the assignment came through (it can come before `join` returns).
    public let assigned: @Sendable (any GroupMember, [Int]) -> Void
    /// Returns once the tasks are stopped and checkpointed.
    public let revoked: @Sendable ([Int]) -> Void

    public init(assigned: @escaping @Sendable (any GroupMember, [Int]) -> Void, revoked: @escaping @Sendable ([Int]) -> Void) {
        self.assigned = assigned
        self.revoked = revoked
    }
}

/// The sending end of an exchange: messages to partitions, buffered; `flush` returns once every
/// message sent is durable (a checkpoint waits for it).
public protocol ExchangeOutlet: AnyObject, Sendable {
    func send(_ messages: [(partition: Int, bytes: [UInt8])]) async throws
    func flush() async throws
}

/// The receiving end of an exchange: one partition's messages in order.
public protocol ExchangeInlet: AnyObject, Sendable {
    /// The next messages and the offset after the last of them; no messages after a quiet wait
    /// (a heartbeat, so the job can checkpoint and stop).
    func next() async throws -> (messages: [[UInt8]], nextOffset: Int64)
}

/// A source's consumer group: what makes a job a group job (see ``Job/run(on:clock:options:)``).
public struct SourceGroup: Sendable {
    /// The consumer group's id.
    public let name: String
    /// The topics the source reads: partition `p` of each is read by task `p`.
    public let topics: [String]
    public let coordination: any GroupCoordination

    public init(name: String, topics: [String], coordination: any GroupCoordination) {
        self.name = name
        self.topics = topics
        self.coordination = coordination
    }
}
