/// State that lives in a long-lived actor on the runtime: calls run one at a time, in order.
///
/// The actor can be snapshotted, and is rebuilt from its last snapshot when a call throws an
/// error that ``isFatal(_:)`` declares fatal (its state may be corrupt); the failing call's
/// caller still gets the error. Checkpoints store the snapshot; restore hands it back to
/// ``init(restoring:)`` — restoring is the same initializer, with a non-nil argument.
///
/// ```swift
/// struct Counter: RuntimeActor {
///     var total = 0
///     init(restoring snapshot: Int?) { total = snapshot ?? 0 }
///     func snapshot() -> Int { total }
/// }
/// let counter = try runtime.actor(Counter.self)
/// counter.call { $0.total += 5 }
/// print(try await counter.call { $0.total }.value)   // 5
/// ```
public protocol RuntimeActor: SendableMetatype {
    associatedtype Snapshot: Sendable

    /// A fresh actor when `snapshot` is nil, else the actor as it was when snapshotted.
    init(restoring snapshot: Snapshot?) throws

    /// The actor's state, to restore it later.
    func snapshot() throws -> Snapshot

    /// Whether `error`, thrown by a call, leaves the actor unusable so it must be rebuilt from
    /// its last snapshot. By default no error is fatal.
    static func isFatal(_ error: any Error) -> Bool
}

extension RuntimeActor {
    public static func isFatal(_ error: any Error) -> Bool { false }
}
