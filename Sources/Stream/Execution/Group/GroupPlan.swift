/// How a group job is cut into sub-pipelines: at every exchange. Sub-pipeline 0 holds the
/// sources and what follows them up to the exchanges (which it writes); each later one starts
/// at the exchanges it reads. Steps reading exchanges together (a join of two keyed streams) are
/// in one sub-pipeline, whose task `p` reads partition `p` of each exchange's topic.
///
/// ```swift
/// let plan = try GroupPlan.make(graph, job: "clicks")   // nil: not a group job
/// plan?.subPipelines[1].taskTopic                       // "clickers.per-page.repartition"
/// ```
struct GroupPlan: Sendable {
    struct SubPipeline: Sendable {
        var steps: Set<Int> = []
        /// Exchange steps it writes and reads.
        var writes: Set<Int> = []
        var reads: Set<Int> = []
        /// The topic whose partitions are its tasks, and the consumer group that assigns them.
        var taskTopic = ""
        var group = ""
        var tasks = 0
    }

    let group: SourceGroup
    let subPipelines: [SubPipeline]
    let exchanges: [Int: ExchangeEndpoint]

    /// The plan for `graph`, or nil when no source reads in a consumer group. Throws when the
    /// job cannot run as a group, naming the steps and what to change.
    static func make(_ graph: JobGraph, job: String) throws -> GroupPlan? {
        let sources = graph.steps.filter { $0.kind == .source }
        guard let group = sources.lazy.compactMap(\.group).first else { return nil }
        var problems: [String] = []
        for source in sources {
            guard let other = source.group else {
                problems.append("source '\(source.name ?? "\(source.id)")' does not read in a consumer group, but others read in group '\(group.name)': every source of a group job reads in its group (each instance would read all of it)")
                continue
            }
            if other.name != group.name {
                problems.append("sources read in two consumer groups, '\(group.name)' and '\(other.name)': a group job has one")
            }
        }
        let coordination = group.coordination
        let tasks = try coordination.partitionCount(of: group.topics[0])
        for source in sources {
            for topic in source.group?.topics ?? [] {
                let count = try coordination.partitionCount(of: topic)
                if count != tasks {
                    problems.append("topic '\(topic)' has \(count) partitions and '\(group.topics[0])' \(tasks): the topics of a group job are read partition by partition (task p reads partition p of each), so they need as many partitions")
                }
            }
        }
        // Each step's entries: where its records come in (-1 for the sources, or an exchange).
        var entries: [Set<Int>] = Array(repeating: [], count: graph.steps.count)
        var classes = UnionFind()
        for step in graph.steps {
            var mine: Set<Int> = step.kind == .source ? [-1] : []
            for input in step.inputs { mine.formUnion(graph.steps[input].kind == .exchange ? [input] : entries[input]) }
            entries[step.id] = mine
            if let first = mine.first { for other in mine { classes.join(first, other) } }
        }
        let sourceClass = classes.root(of: -1)
        var order: [Int: Int] = [sourceClass: 0]
        for step in graph.steps where step.kind == .exchange {
            let root = classes.root(of: step.id)
            if root == sourceClass {
                let mixed = graph.steps.first { entries[$0.id].contains(step.id) && entries[$0.id].contains(-1) }
                problems.append("\(mixed.map { "\($0)" } ?? "a step") reads records both as the sources' partitions give them and through the exchange before it: in a group job these are in different instances; key both inputs the same way")
                continue
            }
            if order[root] == nil { order[root] = order.count }
        }
        guard problems.isEmpty else {
            throw StreamError(.invalidJob, job: job, action: "plan the group",
                              message: problems.count == 1 ? problems[0] : "\n  - " + problems.joined(separator: "\n  - "))
        }
        var subPipelines = Array(repeating: SubPipeline(), count: order.count)
        var exchanges: [Int: ExchangeEndpoint] = [:]
        for step in graph.steps {
            if step.kind == .exchange {
                let name = Self.exchangeName(of: step.id, in: graph)
                let endpoint = ExchangeEndpoint(step: step.id, name: name, topic: Self.topicName(group: group.name, step: name),
                                                partitions: tasks, coordination: coordination)
                exchanges[step.id] = endpoint
                let reader = order[classes.root(of: step.id)]!
                subPipelines[reader].reads.insert(step.id)
                subPipelines[reader].steps.insert(step.id)
                if let writer = entries[step.id].first.flatMap({ order[classes.root(of: $0)] }) {
                    subPipelines[writer].writes.insert(step.id)
                    subPipelines[writer].steps.insert(step.id)
                }
            } else if let entry = entries[step.id].first, let sub = order[classes.root(of: entry)] {
                subPipelines[sub].steps.insert(step.id)
            }
        }
        for index in subPipelines.indices {
            subPipelines[index].tasks = tasks
            if index == 0 {
                subPipelines[index].taskTopic = group.topics[0]
                subPipelines[index].group = group.name
            } else {
                let first = exchanges[subPipelines[index].reads.min()!]!
                subPipelines[index].taskTopic = first.topic
                subPipelines[index].group = "\(group.name).\(first.name)"
            }
        }
        return GroupPlan(group: group, subPipelines: subPipelines, exchanges: exchanges)
    }

    /// What an exchange is called: the keyed step it feeds, or `step-<n>`.
    static func exchangeName(of step: Int, in graph: JobGraph) -> String {
        graph.consumers(of: step).first.flatMap { graph.steps[$0.step].name } ?? "step-\(step)"
    }

    /// `<group>.<step>.repartition`, with characters Kafka refuses in topic names replaced by
    /// `-`. Named for the consumer group (as Kafka Streams names its topics for the application
    /// id): a group started afresh under a new name never reads an old run's exchange messages.
    static func topicName(group: String, step: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return String("\(group).\(step).repartition".map { allowed.contains($0) ? $0 : "-" })
    }

    /// The scope of task `partition` of sub-pipeline `index`.
    func scope(subPipeline index: Int, partition: Int, member: any GroupMember) -> TaskScope {
        let sub = subPipelines[index]
        var roles: [Int: ExchangeRole] = [:]
        for step in sub.writes { roles[step] = .write(exchanges[step]!) }
        for step in sub.reads { roles[step] = .read(exchanges[step]!) }
        return TaskScope(subPipeline: index, partition: partition, tasks: sub.tasks, member: member, steps: sub.steps, exchanges: roles)
    }
}

/// Disjoint sets of integers, for cutting a graph into the parts that must run together.
private struct UnionFind {
    private var parent: [Int: Int] = [:]

    mutating func root(of value: Int) -> Int {
        var current = value
        while let next = parent[current], next != current { current = next }
        parent[value] = current
        return current
    }

    mutating func join(_ first: Int, _ second: Int) {
        let (a, b) = (root(of: first), root(of: second))
        if a != b { parent[max(a, b)] = min(a, b) }
    }
}
