import Dispatch
import Stream
import Synchronization

/// A group job's coordination in memory, for tests: topics are arrays of messages per partition,
/// and each consumer group spreads its topic's partitions over its members in turn (revoking
/// before assigning, on a queue of its own, as a broker's rebalance would).
final class MemoryGroup: GroupCoordination {
    private struct State {
        var topics: [String: [[[UInt8]]]] = [:]
        var members: [String: [MemoryMember]] = [:]
    }

    private let state = Mutex(State())
    private let rebalances = DispatchQueue(label: "memory-group")

    init(topics: [String: Int]) {
        state.withLock { state in for (topic, count) in topics { state.topics[topic] = Array(repeating: [], count: count) } }
    }

    func partitionCount(of topic: String) throws -> Int {
        guard let count = state.withLock({ $0.topics[topic]?.count }) else { throw TestFailure("no topic \(topic)") }
        return count
    }

    func ensureTopic(_ topic: String, partitions: Int) throws {
        state.withLock { state in
            if state.topics[topic] == nil { state.topics[topic] = Array(repeating: [], count: partitions) }
        }
    }

    func join(group: String, topic: String, tasks: TaskListener) throws -> any GroupMember {
        let member = MemoryMember(group: group, topic: topic, tasks: tasks, owner: self)
        state.withLock { $0.members[group, default: []].append(member) }
        rebalance(group)
        return member
    }

    func leave(_ member: MemoryMember) {
        state.withLock { $0.members[member.group]?.removeAll { $0 === member } }
        rebalance(member.group)
        rebalances.sync {}
    }

    /// Partition p goes to member p mod n: what moves is revoked from its old owner first.
    private func rebalance(_ group: String) {
        rebalances.async { [self] in
            let (members, count) = state.withLock { state in
                let members = state.members[group] ?? []
                return (members, members.first.flatMap { state.topics[$0.topic]?.count } ?? 0)
            }
            var wanted: [ObjectIdentifier: Set<Int>] = [:]
            for partition in 0..<count where !members.isEmpty { wanted[ObjectIdentifier(members[partition % members.count]), default: []].insert(partition) }
            for member in members { member.keep(only: wanted[ObjectIdentifier(member)] ?? []) }
            for member in members { member.take(wanted[ObjectIdentifier(member)] ?? []) }
        }
    }

    func append(_ messages: [(partition: Int, bytes: [UInt8])], to topic: String) {
        state.withLock { state in for message in messages { state.topics[topic]![message.partition].append(message.bytes) } }
    }

    func messages(in topic: String, partition: Int, from offset: Int) -> [[UInt8]] {
        state.withLock { state in Array(state.topics[topic]![partition].dropFirst(offset)) }
    }

    func exchangeOutlet(topic: String, step: String) throws -> any ExchangeOutlet {
        MemoryOutlet(topic: topic, group: self)
    }

    func exchangeInlet(topic: String, partition: Int, from offset: Int64, context: SourceContext) throws -> any ExchangeInlet {
        MemoryInlet(topic: topic, partition: partition, offset: Int(offset), group: self)
    }
}

/// A member of a ``MemoryGroup``'s consumer group.
final class MemoryMember: GroupMember {
    let group: String
    let topic: String
    private let tasks: TaskListener
    private let owner: MemoryGroup
    private let held = Mutex<Set<Int>>([])
    private let committed = Mutex<[String: [Int: Int64]]>([:])

    init(group: String, topic: String, tasks: TaskListener, owner: MemoryGroup) {
        self.group = group
        self.topic = topic
        self.tasks = tasks
        self.owner = owner
    }

    func keep(only partitions: Set<Int>) {
        let lost = held.withLock { held in defer { held.formIntersection(partitions) }; return held.subtracting(partitions) }
        if !lost.isEmpty { tasks.revoked(lost.sorted()) }
    }

    func take(_ partitions: Set<Int>) {
        let gained = held.withLock { held in defer { held.formUnion(partitions) }; return partitions.subtracting(held) }
        if !gained.isEmpty { tasks.assigned(self, gained.sorted()) }
    }

    func committedOffsets(topics: [String], partition: Int) -> [String: Int64] {
        committed.withLock { committed in topics.reduce(into: [:]) { found, topic in found[topic] = committed[topic]?[partition] } }
    }

    func commit(_ offsets: [String: Int64], partition: Int) throws {
        committed.withLock { committed in for (topic, offset) in offsets { committed[topic, default: [:]][partition] = offset } }
    }

    func leave() {
        keep(only: [])
        owner.leave(self)
    }
}

final class MemoryOutlet: ExchangeOutlet {
    let topic: String
    let group: MemoryGroup

    init(topic: String, group: MemoryGroup) {
        self.topic = topic
        self.group = group
    }

    func send(_ messages: [(partition: Int, bytes: [UInt8])]) async throws { group.append(messages, to: topic) }
    func flush() async throws {}
}

final class MemoryInlet: ExchangeInlet {
    let topic: String
    let partition: Int
    let group: MemoryGroup
    private let offset: Mutex<Int>

    init(topic: String, partition: Int, offset: Int, group: MemoryGroup) {
        self.topic = topic
        self.partition = partition
        self.group = group
        self.offset = Mutex(offset)
    }

    func next() async throws -> (messages: [[UInt8]], nextOffset: Int64) {
        let start = offset.withLock { $0 }
        let messages = group.messages(in: topic, partition: partition, from: start)
        if messages.isEmpty { try await Task.sleep(for: .milliseconds(2)) }
        let next = offset.withLock { offset in offset += messages.count; return offset }
        return (messages, Int64(next))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
