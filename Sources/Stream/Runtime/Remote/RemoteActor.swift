import Synchronization

/// A kind of actor that can live in a worker process: a name every process knows and its
/// starting state. Its state is `Codable`, so it can be snapshotted to the job and rebuilt on
/// a fresh worker when its worker dies.
///
/// ```swift
/// let counter = RemoteActorKind("counter") { 0 }
/// let add = RemoteActorMethod(counter, "add") { (total: inout Int, amount: Int) in total += amount; return total }
/// RemoteActors.register(counter, methods: [add.handler])
/// ```
public struct RemoteActorKind<State: Codable & Sendable>: Sendable {
    public let name: String
    public let initial: @Sendable () -> State

    public init(_ name: String, initial: @escaping @Sendable () -> State) {
        self.name = name
        self.initial = initial
    }
}

/// A call an actor of a kind answers: its state, mutated in place, and an input give an output.
public struct RemoteActorMethod<State: Codable & Sendable, Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    public let name: String
    public let body: @Sendable (inout State, Input) throws -> Output

    public init(_ kind: RemoteActorKind<State>, _ name: String, _ body: @escaping @Sendable (inout State, Input) throws -> Output) {
        self.name = "\(kind.name).\(name)"
        self.body = body
    }

    /// What a worker runs: the actor's number and the input in, the output out.
    public var handler: (name: String, RemoteHandler) {
        let (name, body) = (name, body)
        return ("actor-call/\(name)", RemoteHandler { bytes in
            var reader = BinaryReader(Array(bytes))
            let id = UInt64(bitPattern: try reader.readInt64())
            let input = try StateCodec.decode(Input.self, from: Array(bytes.dropFirst(8)), step: name)
            let box = try ActorStore.box(id, as: State.self, method: name)
            return try StateCodec.encode(body(&box.state, input), step: name)
        })
    }
}

/// A remote actor's last snapshot, as the job holds it.
final class LastSnapshot: Sendable {
    let bytes = Mutex<[UInt8]>([])
}

/// Numbers the job's remote actors.
private let remoteActorNumbers = Atomic<UInt64>(0)

/// Registers actor kinds and their methods, in every process (the job's and its workers').
public enum RemoteActors {
    public static func register<State>(_ kind: RemoteActorKind<State>, methods: [(name: String, RemoteHandler)]) {
        // Creating (or rebuilding from a snapshot) and snapshotting an actor of this kind.
        RemoteFunctions.register("actor-new/\(kind.name)", RemoteHandler { bytes in
            var reader = BinaryReader(Array(bytes))
            let id = UInt64(bitPattern: try reader.readInt64())
            let snapshot = Array(bytes.dropFirst(8))
            let state = snapshot.isEmpty ? kind.initial() : try StateCodec.decode(State.self, from: snapshot, step: kind.name)
            ActorStore.put(id, ActorBox(state))
            return []
        })
        RemoteFunctions.register("actor-snapshot/\(kind.name)", RemoteHandler { bytes in
            var reader = BinaryReader(Array(bytes))
            let id = UInt64(bitPattern: try reader.readInt64())
            return try StateCodec.encode(try ActorStore.box(id, as: State.self, method: "snapshot").state, step: kind.name)
        })
        for (name, handler) in methods { RemoteFunctions.register(name, handler) }
    }
}

/// One actor's state in a worker, mutated in place by its calls.
final class ActorBox<State>: @unchecked Sendable {
    // Safe: a worker runs its calls one at a time on one thread (`WorkerServer`).
    var state: State
    init(_ state: State) { self.state = state }
}

/// The actors living in this worker process, by number.
enum ActorStore {
    // `nonisolated(unsafe)` is safe: only the worker's serving thread touches it, one call at a time.
    nonisolated(unsafe) private static var boxes: [UInt64: AnyObject] = [:]

    static func put(_ id: UInt64, _ box: AnyObject) { boxes[id] = box }

    static func box<State>(_ id: UInt64, as: State.Type, method: String) throws -> ActorBox<State> {
        guard let box = boxes[id] as? ActorBox<State> else {
            throw RemoteTaskError.failed(function: method, message: "no actor \(id) of this kind in this worker")
        }
        return box
    }
}

/// An actor living in a worker process of its own: calls run there one at a time, in the order
/// made. When the worker dies it is restarted, the actor rebuilt from its last snapshot
/// (``snapshot()``; its starting state before any), and the calls not yet answered sent again;
/// a call that kills the worker every time fails after its retries, and the actor goes on.
///
/// ```swift
/// let totals = try runtime.remoteActor(counter)
/// let seven = try await totals.call(add, 7).value
/// ```
public final class RemoteActorRef<State: Codable & Sendable>: Sendable {
    let kind: RemoteActorKind<State>
    let id: UInt64
    private let pool: WorkerPool
    private let runtime: Runtime
    private let lastSnapshot = LastSnapshot()

    init(kind: RemoteActorKind<State>, runtime: Runtime, launch: WorkerPool.Options) throws {
        self.kind = kind
        self.runtime = runtime
        id = remoteActorNumbers.add(1, ordering: .relaxed).newValue
        let snapshot = lastSnapshot
        var options = launch
        options.count = 1
        let (id, name) = (id, kind.name)
        // Every worker this actor gets, first and restarted, first rebuilds it.
        options.prelude = {
            var bytes = withUnsafeBytes(of: Int64(bitPattern: id).littleEndian) { Array($0) }
            bytes += snapshot.bytes.withLock { $0 }
            return ("actor-new/\(name)", bytes)
        }
        pool = try WorkerPool(options)
    }

    /// Calls `method` on the actor; the future holds its output.
    public func call<Input, Output>(_ method: RemoteActorMethod<State, Input, Output>, _ input: Input,
                                    options: RemoteTaskOptions = .default) -> TaskRef<Output> {
        let cell = TaskCell<Output>(promiseOn: runtime.scheduler, priority: 0)
        do {
            var bytes = withUnsafeBytes(of: Int64(bitPattern: id).littleEndian) { Array($0) }
            bytes += try StateCodec.encode(input, step: method.name)
            pool.submit(function: "actor-call/\(method.name)", input: bytes, options: options) { outcome in
                cell.complete(outcome.flatMap { bytes in Result { try StateCodec.decode(Output.self, from: bytes, step: method.name) } })
            }
        } catch {
            cell.complete(.failure(error))
        }
        return TaskRef(cell)
    }

    /// Takes the actor's state as it is after the calls made before, into the job: what the
    /// actor is rebuilt from if its worker dies.
    public func snapshot() -> TaskRef<Void> {
        let cell = TaskCell<Void>(promiseOn: runtime.scheduler, priority: 0)
        let bytes = withUnsafeBytes(of: Int64(bitPattern: id).littleEndian) { Array($0) }
        pool.submit(function: "actor-snapshot/\(kind.name)", input: bytes, options: .default) { [lastSnapshot] outcome in
            switch outcome {
            case .success(let state):
                lastSnapshot.bytes.withLock { $0 = state }
                cell.complete(.success(()))
            case .failure(let error):
                cell.complete(.failure(error))
            }
        }
        return TaskRef(cell)
    }

    /// The actor's worker process (for tests that kill it from outside).
    public var workerProcessID: Int32? { pool.workerProcessIDs.first }

    /// Counts of its worker's deaths and restarts.
    public var stats: RemoteStats { pool.stats }

    /// Ends the actor's worker.
    public func stop() { pool.shutdown() }

    deinit { pool.shutdown() }
}

extension Runtime {
    /// Starts an actor of `kind` in a worker process of its own (started like the runtime's
    /// worker processes, which it needs).
    ///
    /// ```swift
    /// let totals = try runtime.remoteActor(counter)
    /// ```
    public func remoteActor<State>(_ kind: RemoteActorKind<State>) throws -> RemoteActorRef<State> {
        guard let processes else { throw RemoteTaskError.cannotStartWorker("the runtime has no worker processes to model the actor's on") }
        return try RemoteActorRef(kind: kind, runtime: self, launch: processes.options)
    }
}
