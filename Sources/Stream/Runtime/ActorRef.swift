/// One call to an actor: its body travels in the same object as its result, so a call
/// costs one allocation.
@usableFromInline
final class ActorCall<A: RuntimeActor, Value: Sendable>: TaskCell<Value>, @unchecked Sendable {
    // Safe: `perform` is immutable; the rest is TaskCell's.
    @usableFromInline let perform: @Sendable (inout A) throws -> Value

    @inlinable
    init(scheduler: Scheduler, priority: Int64, body: @escaping @Sendable (inout A) throws -> Value) {
        self.perform = body
        super.init(promiseOn: scheduler, priority: priority)
    }
}

/// A handle to a long-lived actor on the runtime. Calls run one at a time, in the order they
/// were made, on the runtime's workers; each returns a ``TaskRef`` for its result.
///
/// ```swift
/// let counter = try runtime.actor(Counter.self)
/// counter.call { $0.total += 1 }
/// let total = try await counter.call { $0.total }.value   // 1
/// ```
public struct ActorRef<A: RuntimeActor>: Sendable {
    @usableFromInline let cell: ActorCell<A>

    /// Runs `body` on the actor's state after every earlier call, and returns its result.
    /// If `body` throws an error the actor declares fatal, the actor is rebuilt from its last
    /// snapshot before the next call; the error still reaches this call's future.
    @inlinable
    @discardableResult
    public func call<Result: Sendable>(
        _ body: @escaping @Sendable (inout A) throws -> Result
    ) -> TaskRef<Result> {
        let call = ActorCall<A, Result>(scheduler: cell.scheduler, priority: cell.priority, body: body)
        cell.enqueue(ActorMailbox.Message(deliver: { actor, call in
            let typed = unsafeDowncast(call, to: ActorCall<A, Result>.self)
            typed.complete(unsafeDowncast(actor, to: ActorCell<A>.self).invoke(typed.perform))
        }, call: call))
        return TaskRef(call)
    }

    /// Takes a snapshot after every earlier call and keeps it as the state to restore from.
    public func snapshot() -> TaskRef<A.Snapshot> {
        let result = TaskCell<A.Snapshot>(promiseOn: cell.scheduler, priority: cell.priority)
        cell.enqueue(ActorMailbox.Message(deliver: { actor, call in
            let typed = unsafeDowncast(call, to: TaskCell<A.Snapshot>.self)
            typed.complete(unsafeDowncast(actor, to: ActorCell<A>.self).takeSnapshot())
        }, call: result))
        return TaskRef(result)
    }

    /// How many times the actor was rebuilt from a snapshot after a fatal error.
    public var restarts: Int { cell.restarts }
}

extension Runtime {
    /// Starts a long-lived actor, fresh or from `snapshot`.
    ///
    /// ```swift
    /// let counter = try runtime.actor(Counter.self, restoring: savedTotal)
    /// ```
    public func actor<A: RuntimeActor>(
        _ type: A.Type = A.self,
        restoring snapshot: A.Snapshot? = nil,
        priority: Int64 = 0
    ) throws -> ActorRef<A> {
        ActorRef(cell: try ActorCell(scheduler: scheduler, restoring: snapshot, priority: priority))
    }
}
