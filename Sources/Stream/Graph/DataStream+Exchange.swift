extension DataStream {
    /// The stream through an exchange step keyed by `key` (see ``KeyPartitioning``): the same
    /// records, in a group job handed to the instance that owns their key group.
    @inlinable
    func exchanged<Key: StableHashable>(by key: @escaping @Sendable (Value) -> Key, keyGroups: KeyGroups) -> DataStream<Value> {
        let hasEventTime = self.hasEventTime
        let idleTimeout = self.idleTimeout
        return derive(.exchange, builder: StepBuilder { step, build in
            try buildExchange(step: step, build: &build, keyGroups: keyGroups, hasEventTime: hasEventTime, idleTimeout: idleTimeout) {
                keyGroups.group(of: key($0))
            }
        })
    }
}

@usableFromInline
func buildExchange<Value: Sendable>(step: Int, build: inout ExecutionBuild, keyGroups: KeyGroups, hasEventTime: Bool, idleTimeout: Int64?,
                                    keyGroup: @escaping @Sendable (Value) -> Int) throws {
    try ExchangeStep<Value>.build(step: step, build: &build, keyGroups: keyGroups, hasEventTime: hasEventTime,
                                  idleTimeout: idleTimeout, keyGroup: keyGroup)
}
