/// How an exchange step is built in a run: a pass-through in one process; in a group task, the
/// writer into its repartition topic (the task's upstream side) or a source reading the task's
/// partition of it (the downstream side).
enum ExchangeStep<Value: Sendable> {
    static func build(step: Int, build: inout ExecutionBuild, keyGroups: KeyGroups, hasEventTime: Bool, idleTimeout: Int64?,
                      keyGroup: @escaping @Sendable (Value) -> Int) throws {
        let context = build.context
        switch context.task?.exchanges[step] {
        case nil:
            build.setInlet(try build.output(of: step, as: Value.self), step: step)
        case .write(let endpoint):
            let writer = try ExchangeWriter<Value>(endpoint: endpoint, producer: context.task!.partition,
                                                   producers: context.task!.tasks, keyGroups: keyGroups,
                                                   idleTimeout: idleTimeout, keyGroup: keyGroup, context: context)
            build.setInlet(writer.inlet, step: step)
        case .read(let endpoint):
            let position = context.restored?.manifest.sources[endpoint.readerID]
            let reader = try ExchangeReader<Value>(endpoint: endpoint, partition: context.task!.partition, hasEventTime: hasEventTime,
                                                   context: SourceContext(stepID: endpoint.readerID, run: context, restoredPosition: position))
            build.addSource(SourceStep(id: endpoint.readerID, step: step, reader: reader, restoredFinished: false, deadLetters: nil,
                                       downstream: try build.output(of: step, as: Value.self), context: context), step: step)
        }
    }
}
