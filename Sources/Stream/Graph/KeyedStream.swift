/// A stream whose records are grouped by key: what windows and stateful steps need. Keys hash
/// into key groups (128 by default) so state can move whole between parallel ranges.
///
/// ```swift
/// let perUser = clicks.keyed(by: \.user)
/// ```
public struct KeyedStream<Key: StableHashable, Value: Sendable>: Sendable {
    public let stream: DataStream<Value>
    public let key: @Sendable (Value) -> Key
    public let keyGroups: KeyGroups

    @inlinable
    init(stream: DataStream<Value>, key: @escaping @Sendable (Value) -> Key, keyGroups: KeyGroups) {
        self.stream = stream
        self.key = key
        self.keyGroups = keyGroups
    }
}

extension DataStream {
    /// Groups records by `key`. Keys must hash the same on every run (``StableHashable``):
    /// `String` and the integer types do.
    ///
    /// In a group job (several instances sharing a Kafka consumer group), records of one key
    /// must meet in one instance: the records go through an exchange, a repartition topic keyed
    /// by key group (see ``KeyPartitioning``). `.sourcePartitions` says the input is already
    /// partitioned by this key (a Kafka topic whose records' Kafka key is this key), so no
    /// exchange is needed. In one process an exchange costs nothing.
    ///
    /// ```swift
    /// clicks.keyed(by: \.page)                                      // exchanged in a group
    /// clicks.keyed(by: \.user, partitioning: .sourcePartitions)     // the topic's key is the user
    /// ```
    @inlinable
    public func keyed<Key: StableHashable>(by key: @escaping @Sendable (Value) -> Key, keyGroups: KeyGroups = KeyGroups(),
                                           partitioning: KeyPartitioning = .exchange) -> KeyedStream<Key, Value> {
        switch partitioning {
        case .exchange: KeyedStream(stream: exchanged(by: key, keyGroups: keyGroups), key: key, keyGroups: keyGroups)
        case .sourcePartitions: KeyedStream(stream: self, key: key, keyGroups: keyGroups)
        }
    }
}

/// Where a keyed step's records come from in a group job (several instances of one job).
public enum KeyPartitioning: Sendable, Equatable {
    /// Through an exchange: each instance writes its records to a repartition topic, keyed by
    /// key group, and each key's records are read by the instance that owns its key group.
    case exchange
    /// As the sources' partitions give them: the input is already partitioned by this key (a
    /// Kafka topic written with it as the Kafka key, read partition by partition).
    case sourcePartitions
}

/// A keyed stream cut into windows, waiting for its aggregate.
public struct WindowedStream<Key: StableHashable, Value: Sendable>: Sendable {
    public let keyed: KeyedStream<Key, Value>
    public let id: String
    public let spec: WindowSpec
    public let allowedLateness: Duration

    @inlinable
    init(keyed: KeyedStream<Key, Value>, id: String, spec: WindowSpec, allowedLateness: Duration) {
        self.keyed = keyed
        self.id = id
        self.spec = spec
        self.allowedLateness = allowedLateness
    }
}

/// What a window step gives: its results, and the records that came too late for any window.
///
/// ```swift
/// let counts = perUser.window("per-minute", .tumbling(.seconds(60))).aggregate(.count())
/// counts.results.sink("counts", …)
/// counts.late.sink("late", …)
/// ```
public struct WindowedAggregate<Key: StableHashable, Output: Sendable, Value: Sendable>: Sendable {
    /// One result per key and window, in window order.
    public let results: DataStream<WindowResult<Key, Output>>
    /// Records late for all their windows (after allowed lateness), in read order.
    public let late: DataStream<Value>

    /// Pairs a results stream with a late stream, e.g. after transforming the results.
    @inlinable
    public init(results: DataStream<WindowResult<Key, Output>>, late: DataStream<Value>) {
        self.results = results
        self.late = late
    }
}

extension KeyedStream {
    /// Cuts the stream into event-time windows; `id` names the step (and its checkpointed state).
    ///
    /// ```swift
    /// perUser.window("per-minute", .tumbling(.seconds(60)), allowedLateness: .seconds(10))
    /// ```
    public func window(_ id: String, _ spec: WindowSpec, allowedLateness: Duration = .zero) -> WindowedStream<Key, Value> {
        if let problem = spec.problem { stream.job.problem("step '\(id)': \(problem)") }
        if !stream.hasEventTime {
            stream.job.problem("step '\(id)': an event-time window needs event time; call .eventTime(_:watermark:) before .keyed(by:)")
        }
        if allowedLateness < .zero { stream.job.problem("step '\(id)': allowed lateness cannot be negative") }
        return WindowedStream(keyed: self, id: id, spec: spec, allowedLateness: allowedLateness)
    }
}

extension WindowedStream {
    /// Aggregates each key's records in each window. Mergeable aggregates pre-aggregate while the
    /// window is open; when it fires, the window's key-group ranges are merged as a batch of tasks.
    ///
    /// ```swift
    /// windowed.aggregate(.count())
    /// windowed.aggregate(Both(.count(), .sum(\.amount)))
    /// ```
    @inlinable
    public func aggregate<Agg: Aggregator>(_ aggregator: Agg) -> WindowedAggregate<Key, Agg.Output, Value>
    where Agg.Input == Value {
        let source = keyed.stream
        let spec = self.spec
        let lateness = allowedLateness
        let keyed = self.keyed
        let id = self.id
        let results: DataStream<WindowResult<Key, Agg.Output>> = source.derive(
            .window(spec), name: id, hasEventTime: false, idleTimeout: .some(nil),
            state: StateSignature(schema: "window of \(String(reflecting: Key.self)) → \(String(reflecting: Agg.Accumulator.self))",
                                  configuration: "\(spec), allowed lateness \(lateness.milliseconds) ms"),
            builder: StepBuilder { step, build in
                let lateStep = build.sideOutput(of: step)
                let operation = try WindowLogic<Key, Value, Agg>.makeOperator(
                    id: id, context: build.context, keyed: keyed,
                    initial: KeyedWindowState(spec: spec, allowedLateness: lateness, aggregator: aggregator),
                    results: try build.output(of: step, as: WindowResult<Key, Agg.Output>.self),
                    late: try lateStep.flatMap { build.hasConsumers($0) ? try build.output(of: $0, as: Value.self) : nil })
                build.setInlet(operation.inlet, step: step)
            })
        let late: DataStream<Value> = results.derive(.lateRecords, hasEventTime: source.hasEventTime,
                                                 idleTimeout: .some(source.idleTimeout), builder: nil)
        return WindowedAggregate(results: results, late: late)
    }

    /// Both aggregates in one pass: `.aggregate(.count(), .sum(\.amount))` gives `(Int, Int64)`.
    @inlinable
    public func aggregate<First: Aggregator, Second: Aggregator>(_ first: First, _ second: Second)
    -> WindowedAggregate<Key, (First.Output, Second.Output), Value> where First.Input == Value, Second.Input == Value {
        aggregate(Both(first, second))
    }
}
