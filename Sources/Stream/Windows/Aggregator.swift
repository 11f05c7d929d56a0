/// A mergeable aggregate: windows pre-aggregate records as they arrive (`add`), combine
/// partial results from parallel tasks (`merge`), and turn the accumulator into the output
/// when the window fires (`finish`).
///
/// The accumulator is `Codable`: it is window state, and window state goes into checkpoints.
///
/// ```swift
/// struct Mean: Aggregator {
///     func zero() -> Pair<Double, Int> { Pair(0, 0) }
///     func add(_ x: Double, to acc: inout Pair<Double, Int>) { acc.first += x; acc.second += 1 }
///     func merge(_ other: Pair<Double, Int>, into acc: inout Pair<Double, Int>) { acc.first += other.first; acc.second += other.second }
///     func finish(_ acc: Pair<Double, Int>) -> Double { acc.first / Double(max(1, acc.second)) }
/// }
/// ```
public protocol Aggregator<Input, Output>: Sendable {
    associatedtype Input
    associatedtype Accumulator: Codable & Sendable
    associatedtype Output: Sendable

    func zero() -> Accumulator
    func add(_ input: Input, to accumulator: inout Accumulator)
    func merge(_ other: Accumulator, into accumulator: inout Accumulator)
    func finish(_ accumulator: Accumulator) -> Output
}

/// One result of a keyed window: the window, the key and the aggregate's output.
public struct WindowResult<Key: Sendable, Value: Sendable>: Sendable {
    public var window: Window
    public var key: Key
    public var value: Value

    @inlinable
    public init(window: Window, key: Key, value: Value) {
        self.window = window
        self.key = key
        self.value = value
    }
}

extension WindowResult: Equatable where Key: Equatable, Value: Equatable {}
extension WindowResult: Hashable where Key: Hashable, Value: Hashable {}
