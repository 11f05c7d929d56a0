extension DataStream {
    /// Transforms each record, dropping those that give nil.
    ///
    /// ```swift
    /// lines.compactMap { Int($0) }   // DataStream<Int> of the lines that are numbers
    /// ```
    @inlinable
    public func compactMap<Output: Sendable>(_ transform: @escaping @Sendable (Value) throws -> Output?) -> DataStream<Output> {
        self.transform("compactMap") { try $0.compactMap(transform) }
    }
}
