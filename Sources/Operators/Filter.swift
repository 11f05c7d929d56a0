extension DataStream {
    /// Keeps the records for which `isIncluded` is true.
    ///
    /// ```swift
    /// orders.filter { $0.amount > 0 }
    /// ```
    @inlinable
    public func filter(_ isIncluded: @escaping @Sendable (Value) throws -> Bool) -> DataStream<Value> {
        transform("filter") { try $0.filter(isIncluded) }
    }
}
