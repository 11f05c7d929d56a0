extension DataStream {
    /// Turns each record into any number of records (each keeps the event time of its source).
    ///
    /// ```swift
    /// sentences.flatMap { $0.split(separator: " ").map(String.init) }   // DataStream<String> of words
    /// ```
    @inlinable
    public func flatMap<Output: Sendable>(_ transform: @escaping @Sendable (Value) throws -> [Output]) -> DataStream<Output> {
        self.transform("flatMap") { try $0.flatMap(transform) }
    }
}
