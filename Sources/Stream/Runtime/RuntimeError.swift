/// Errors the runtime itself raises (a task's own errors reach its callers unchanged).
public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The runtime was shut down before the task could run.
    case shutDown
    /// The actor could not be rebuilt from its snapshot after a fatal error, so it takes no
    /// more calls; `reason` is the error its initializer threw.
    case actorStopped(reason: String)

    public var description: String {
        switch self {
        case .shutDown: "the runtime is shut down"
        case .actorStopped(let reason): "the actor stopped: restoring it from its snapshot failed: \(reason)"
        }
    }
}
