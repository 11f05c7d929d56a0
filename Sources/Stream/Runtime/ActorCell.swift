import Synchronization

/// A running actor: its instance and its last snapshot, behind an ``ActorMailbox``.
///
/// `@unchecked Sendable` is safe: `instance`, `lastSnapshot` and `stopReason` are touched only
/// while the mailbox delivers, one message at a time (see ``ActorMailbox``).
@usableFromInline
final class ActorCell<A: RuntimeActor>: ActorMailbox, @unchecked Sendable {
    @usableFromInline let instance: UnsafeMutablePointer<A>
    @exclusivity(unchecked) private var lastSnapshot: A.Snapshot?
    @exclusivity(unchecked) @usableFromInline var stopReason: String?
    private let restartCount = Atomic<Int>(0)

    init(scheduler: Scheduler, restoring snapshot: A.Snapshot?, priority: Int64) throws {
        instance = .allocate(capacity: 1)
        do {
            instance.initialize(to: try A(restoring: snapshot))
        } catch {
            instance.deallocate()
            throw error
        }
        lastSnapshot = snapshot
        super.init(scheduler: scheduler, priority: priority)
    }

    deinit {
        instance.deinitialize(count: 1)
        instance.deallocate()
    }

    var restarts: Int { restartCount.load(ordering: .relaxed) }

    /// Runs `body` on the instance; rebuilds the instance from the last snapshot if it throws
    /// a fatal error. Called while delivering only.
    @inlinable
    func invoke<R>(_ body: (inout A) throws -> R) -> Result<R, any Error> {
        if let stopReason { return .failure(RuntimeError.actorStopped(reason: stopReason)) }
        do {
            return .success(try body(&instance.pointee))
        } catch {
            recover(from: error)
            return .failure(error)
        }
    }

    /// Takes a snapshot and keeps it as the point to restore from. Called while delivering only.
    func takeSnapshot() -> Result<A.Snapshot, any Error> {
        if let stopReason { return .failure(RuntimeError.actorStopped(reason: stopReason)) }
        do {
            let snapshot = try instance.pointee.snapshot()
            lastSnapshot = snapshot
            return .success(snapshot)
        } catch {
            return .failure(error)
        }
    }

    @usableFromInline
    func recover(from error: any Error) {
        guard A.isFatal(error) else { return }
        do {
            instance.pointee = try A(restoring: lastSnapshot)
            restartCount.wrappingAdd(1, ordering: .relaxed)
            scheduler.currentCounters.actorRestarts.increment()
        } catch {
            stopReason = "\(error)"
        }
    }
}
