extension DataStream {
    /// Merges this stream with `others` of the same type. With event time, the merged watermark
    /// is the minimum of the inputs' and the order of the output depends only on the inputs'
    /// own records and watermarks, so restores and replays reproduce it (see
    /// ``DataStream/merge(_:_:codec:)``). Records waiting for a slower input are checkpointed, so a
    /// job that checkpoints needs `Codable` records; `id` names that state.
    ///
    /// ```swift
    /// let clicks = web.union(mobile, kiosk)
    /// ```
    @inlinable
    public func union(_ others: DataStream<Value>..., id: String? = nil) -> DataStream<Value> {
        merge(id, others, codec: nil)
    }
}

extension DataStream where Value: Codable {
    /// Merges this stream with `others` of the same type; records waiting for a slower input are
    /// checkpointed with the engine's state codec.
    ///
    /// ```swift
    /// let payments = card.union(transfer, id: "all-payments")
    /// ```
    @inlinable
    public func union(_ others: DataStream<Value>..., id: String? = nil) -> DataStream<Value> {
        merge(id, others, codec: .codable)
    }
}
