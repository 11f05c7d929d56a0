/// A stateful operator on a keyed stream that also reads a low-rate broadcast stream (rules,
/// thresholds): every range sees every broadcast record, in one order with the keyed records
/// (fixed by both streams' own records and watermarks), and reads the broadcast state they
/// build. The broadcast state is checkpointed once, not per range.
///
/// ```swift
/// struct Alerts: KeyedBroadcastProcessFunction {
///     var seen: KeyedState<String, Int>
///     init(restoring state: KeyedState<String, Int>) { seen = state }
///     func snapshot() -> KeyedState<String, Int> { seen }
///     static func processBroadcast(_ rule: Threshold, _ thresholds: inout [String: Int]) { thresholds[rule.page] = rule.limit }
///     mutating func process(_ click: KeyedRecord<String, Click>, broadcast thresholds: [String: Int],
///                           _ output: inout ProcessOutput<String, String>) {
///         seen[click.key, default: 0] += 1
///         if seen[click.key]! == thresholds[click.key] { output.emit("\(click.key) reached its limit", for: click) }
///     }
/// }
/// clicks.keyed(by: \.page).process("alerts", broadcast: thresholds, initial: [:]) { Alerts(restoring: $0) }
/// ```
public protocol KeyedBroadcastProcessFunction<Key, Input, Broadcast, Output>: Sendable {
    associatedtype Key: StableHashable
    associatedtype Input: Sendable
    associatedtype Broadcast: Sendable
    associatedtype Output: Sendable
    associatedtype State: Codable & Sendable
    associatedtype BroadcastState: Codable & Sendable

    /// Applies a broadcast record to the broadcast state. Static: it reads nothing per key, so
    /// every range (and every restore) builds the same state.
    static func processBroadcast(_ value: Broadcast, _ state: inout BroadcastState)
    /// Handles one keyed record, with the broadcast state as of that record.
    mutating func process(_ record: KeyedRecord<Key, Input>, broadcast: BroadcastState, _ output: inout ProcessOutput<Key, Output>)
    /// Handles a due timer. By default nothing happens.
    mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Output>)
    /// The per-key state, for a checkpoint.
    func snapshot() -> KeyedState<Key, State>
}

extension KeyedBroadcastProcessFunction {
    public mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Output>) {}
}

/// A keyed record with the broadcast state as of its place in the stream.
public struct WithBroadcast<Value: Sendable, State: Sendable>: Sendable {
    public var value: Value
    public var broadcast: State
}

extension KeyedStream where Value: Codable {
    /// Runs `makeOperator`'s function on this keyed stream, with `broadcast` (of `Codable`
    /// records) sent to every range of key groups: one step keeps the broadcast state (from
    /// `initial`, checkpointed once as `<id>/broadcast`), and each keyed record reaches the
    /// function with that state as of its place. `id` names the step and its keyed state.
    ///
    /// ```swift
    /// clicks.keyed(by: \.page).process("alerts", broadcast: thresholds, initial: [:]) { Alerts(restoring: $0) }
    /// ```
    public func process<Function: KeyedBroadcastProcessFunction>(
        _ id: String, broadcast: DataStream<Function.Broadcast>, initial: Function.BroadcastState,
        _ makeOperator: @escaping @Sendable (KeyedState<Key, Function.State>) throws -> Function
    ) -> DataStream<Function.Output> where Function.Key == Key, Function.Input == Value, Function.Broadcast: Codable {
        let key = self.key
        return stream.map { Either<Value, Function.Broadcast>.first($0) }
            .merge("\(id)/inputs", [broadcast.map { Either<Value, Function.Broadcast>.second($0) }], codec: .codable)
            .transform("\(id)/broadcast", state: initial) { state, batch in
                batch.compactMap { record -> WithBroadcast<Value, Function.BroadcastState>? in
                    switch record {
                    case .first(let value): return WithBroadcast(value: value, broadcast: state)
                    case .second(let rule):
                        Function.processBroadcast(rule, &state)
                        return nil
                    }
                }
            }
            .keyed(by: { key($0.value) }, keyGroups: keyGroups)
            .process(id) { BroadcastAdapter(try makeOperator($0)) }
    }
}

/// A broadcast process function run as a stateful operator over records that carry the
/// broadcast state.
public struct BroadcastAdapter<Function: KeyedBroadcastProcessFunction>: KeyedProcessFunction {
    public var function: Function

    @inlinable
    public init(_ function: Function) {
        self.function = function
    }

    @inlinable
    public mutating func process(_ record: KeyedRecord<Function.Key, WithBroadcast<Function.Input, Function.BroadcastState>>,
                                 _ output: inout ProcessOutput<Function.Key, Function.Output>) {
        function.process(record.withValue(record.value.value), broadcast: record.value.broadcast, &output)
    }

    @inlinable
    public mutating func onTimer(_ timer: KeyedTimer<Function.Key>, _ output: inout ProcessOutput<Function.Key, Function.Output>) {
        function.onTimer(timer, &output)
    }

    @inlinable
    public func snapshot() -> KeyedState<Function.Key, Function.State> { function.snapshot() }
}
