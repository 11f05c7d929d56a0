// Remote tasks: a registered function's name and its encoded input go to a worker process;
// the encoded output comes back into a promise cell, so futures, dependencies and `get`/`wait`
// are those of any task.

extension Runtime {
    /// Runs `function` on `input` in a worker process (in this process when the runtime has
    /// no worker pool) and returns a future for its output. A worker that dies while running
    /// it is replaced and the task run again (``RemoteTaskOptions/retriesOnWorkerDeath``).
    ///
    /// ```swift
    /// let square = RemoteFunction("square") { (x: Int) in x * x }
    /// let nine = try await runtime.submitRemote(square, 3).value
    /// ```
    public func submitRemote<Input, Output>(_ function: RemoteFunction<Input, Output>, _ input: Input,
                                            options: RemoteTaskOptions = .default) -> TaskRef<Output> {
        guard let processes else {
            return submit(TaskOptions(maxRetries: options.maxRetries)) { try function.body(input) }
        }
        let cell = TaskCell<Output>(promiseOn: scheduler, priority: 0)
        Self.send(function, input, options: options, to: processes, into: cell)
        return TaskRef(cell)
    }

    /// Runs `function` on each of `inputs` in worker processes, handed to the pool in slices of
    /// 4,096 (one lock and one write per worker each): the way to submit many small remote tasks.
    ///
    /// ```swift
    /// let squares = runtime.submitRemoteBatch(square, [1, 2, 3])
    /// ```
    public func submitRemoteBatch<Input, Output>(_ function: RemoteFunction<Input, Output>, _ inputs: [Input],
                                                 options: RemoteTaskOptions = .default) -> [TaskRef<Output>] {
        guard let processes else {
            return inputs.map { input in submit(TaskOptions(maxRetries: options.maxRetries)) { try function.body(input) } }
        }
        var refs: [TaskRef<Output>] = []
        var tasks: [(input: [UInt8], complete: WorkerPool.Completion)] = []
        refs.reserveCapacity(inputs.count)
        // Handed over in slices, so the workers start on the first while the rest are encoded.
        let slice = 4096
        tasks.reserveCapacity(min(slice, inputs.count))
        for input in inputs {
            let cell = TaskCell<Output>(promiseOn: scheduler, priority: 0)
            refs.append(TaskRef(cell))
            do {
                tasks.append((try StateCodec.encode(input, step: function.name), Self.completion(of: cell, function.name)))
            } catch {
                cell.complete(.failure(error))
            }
            if tasks.count == slice {
                processes.submit(tasks, function: function.name, options: options)
                tasks.removeAll(keepingCapacity: true)
            }
        }
        processes.submit(tasks, function: function.name, options: options)
        return refs
    }

    /// Runs `function` on the value of `input` once it is ready, in a worker process. If the
    /// input fails, so does this task, without running.
    ///
    /// ```swift
    /// let parsed = runtime.submitRemote(parse, after: downloaded)
    /// ```
    public func submitRemote<Input, Output>(_ function: RemoteFunction<Input, Output>, after input: TaskRef<Input>,
                                            options: RemoteTaskOptions = .default) -> TaskRef<Output> {
        guard let processes else {
            return submit(after: input, options: TaskOptions(maxRetries: options.maxRetries)) { try function.body($0) }
        }
        let cell = TaskCell<Output>(promiseOn: scheduler, priority: 0)
        input.cell.onComplete {
            switch input.result! {
            case .success(let value):
                Self.send(function, value, options: options, to: processes, into: cell)
            case .failure(let error):
                cell.complete(.failure(InputFailure(underlying: error)))
            }
        }
        return TaskRef(cell)
    }

    /// Encodes `input` and hands the run to the pool; its output (or failure) completes `cell`.
    private static func send<Input, Output>(_ function: RemoteFunction<Input, Output>, _ input: Input, options: RemoteTaskOptions,
                                            to processes: WorkerPool, into cell: TaskCell<Output>) {
        do {
            let bytes = try StateCodec.encode(input, step: function.name)
            processes.submit(function: function.name, input: bytes, options: options, complete: completion(of: cell, function.name))
        } catch {
            cell.complete(.failure(error))
        }
    }

    private static func completion<Output: Decodable>(of cell: TaskCell<Output>, _ name: String) -> WorkerPool.Completion {
        { outcome in
            switch outcome {
            case .success(let bytes):
                cell.complete(Result { try StateCodec.decode(Output.self, from: bytes, step: name) })
            case .failure(let error):
                cell.complete(.failure(error))
            }
        }
    }
}
