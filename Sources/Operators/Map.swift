@_exported import Stream

extension Stream {
    /// Transforms each record.
    ///
    /// ```swift
    /// orders.map { $0.amount }   // Stream<Int>
    /// ```
    public func map<Output: Sendable>(_ transform: @escaping @Sendable (Value) throws -> Output) -> Stream<Output> {
        self.transform("map") { try $0.map(transform) }
    }
}
