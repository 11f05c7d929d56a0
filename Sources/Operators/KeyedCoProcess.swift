/// A stateful operator on two keyed streams: one instance per range of key groups, with per-key
/// state and timers shared by its two entry points. Records of both streams reach it in an order
/// fixed by the streams' own records and watermarks, so results never depend on which stream's
/// batch arrived first.
///
/// ```swift
/// struct Matcher: KeyedCoProcessFunction {
///     var pending: KeyedState<String, Order>
///     init(restoring state: KeyedState<String, Order>) { pending = state }
///     func snapshot() -> KeyedState<String, Order> { pending }
///     mutating func processFirst(_ order: KeyedRecord<String, Order>, _ output: inout ProcessOutput<String, String>) {
///         pending[order.key] = order.value
///     }
///     mutating func processSecond(_ payment: KeyedRecord<String, Payment>, _ output: inout ProcessOutput<String, String>) {
///         if pending[payment.key] != nil { output.emit("paid \(payment.key)", for: payment); pending[payment.key] = nil }
///     }
/// }
/// orders.connect(payments).keyed(by: \.id, \.orderID).process("match") { Matcher(restoring: $0) }
/// ```
public protocol KeyedCoProcessFunction<Key, First, Second, Output>: Sendable {
    associatedtype Key: StableHashable & Codable
    associatedtype First: Sendable
    associatedtype Second: Sendable
    associatedtype Output: Sendable
    associatedtype State: Codable & Sendable

    /// Handles one record of the first stream.
    mutating func processFirst(_ record: KeyedRecord<Key, First>, _ output: inout ProcessOutput<Key, Output>)
    /// Handles one record of the second stream.
    mutating func processSecond(_ record: KeyedRecord<Key, Second>, _ output: inout ProcessOutput<Key, Output>)
    /// Handles a due timer. By default nothing happens.
    mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Output>)
    /// The per-key state, for a checkpoint.
    func snapshot() -> KeyedState<Key, State>
}

extension KeyedCoProcessFunction {
    public mutating func onTimer(_ timer: KeyedTimer<Key>, _ output: inout ProcessOutput<Key, Output>) {}
}

/// A co-process function run as a one-input stateful operator over ``Either`` records.
public struct CoProcessAdapter<Function: KeyedCoProcessFunction>: KeyedProcessFunction {
    public var function: Function

    @inlinable
    public init(_ function: Function) {
        self.function = function
    }

    @inlinable
    public mutating func process(_ record: KeyedRecord<Function.Key, Either<Function.First, Function.Second>>,
                                 _ output: inout ProcessOutput<Function.Key, Function.Output>) {
        switch record.value {
        case .first(let value): function.processFirst(record.withValue(value), &output)
        case .second(let value): function.processSecond(record.withValue(value), &output)
        }
    }

    @inlinable
    public mutating func onTimer(_ timer: KeyedTimer<Function.Key>, _ output: inout ProcessOutput<Function.Key, Function.Output>) {
        function.onTimer(timer, &output)
    }

    @inlinable
    public func snapshot() -> KeyedState<Function.Key, Function.State> { function.snapshot() }
}

extension KeyedConnectedStreams where Key: Codable {
    /// Runs `makeOperator`'s function on both streams: one instance per range of key groups, made
    /// from its state (empty on a fresh start, restored from a checkpoint otherwise); `id` names
    /// the step and its state. Records waiting for the slower stream are checkpointed only if
    /// both streams' records are `Codable` (see the overload).
    ///
    /// ```swift
    /// orders.connect(payments).keyed(by: \.id, \.orderID).process("match") { Matcher(restoring: $0) }
    /// ```
    @inlinable
    public func process<Function: KeyedCoProcessFunction>(
        _ id: String, _ makeOperator: @escaping @Sendable (KeyedState<Key, Function.State>) throws -> Function
    ) -> DataStream<Function.Output> where Function.Key == Key, Function.First == First, Function.Second == Second {
        mergedAndKeyed("\(id)/inputs", codec: nil).process(id) { CoProcessAdapter(try makeOperator($0)) }
    }
}

extension KeyedConnectedStreams where Key: Codable, First: Codable, Second: Codable {
    /// ``process(_:_:)`` for `Codable` records: those waiting for the slower stream go into checkpoints.
    ///
    /// ```swift
    /// orders.connect(payments).keyed(by: \.id, \.orderID).process("match") { Matcher(restoring: $0) }
    /// ```
    @inlinable
    public func process<Function: KeyedCoProcessFunction>(
        _ id: String, _ makeOperator: @escaping @Sendable (KeyedState<Key, Function.State>) throws -> Function
    ) -> DataStream<Function.Output> where Function.Key == Key, Function.First == First, Function.Second == Second {
        mergedAndKeyed("\(id)/inputs", codec: .codable).process(id) { CoProcessAdapter(try makeOperator($0)) }
    }
}
