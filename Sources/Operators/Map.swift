@_exported import Stream

extension DataStream {
    /// Transforms each record.
    ///
    /// ```swift
    /// orders.map { $0.amount }   // DataStream<Int>
    /// ```
    @inlinable
    public func map<Output: Sendable>(_ transform: @escaping @Sendable (Value) throws -> Output) -> DataStream<Output> {
        self.transform("map") { try $0.map(transform) }
    }
}
