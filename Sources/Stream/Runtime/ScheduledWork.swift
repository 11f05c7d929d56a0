/// Something a worker thread can run: a task, or one turn of an actor's mailbox.
///
/// The scheduler sees only this base class; subclasses override ``run(on:)``.
/// `@unchecked Sendable` is safe here: the base holds one immutable field, and each
/// subclass documents how its own mutable state is guarded.
@usableFromInline
class ScheduledWork: @unchecked Sendable {
    /// Smaller runs first. The window engine uses a pane's end, so earlier windows go first.
    @usableFromInline let priority: Int64

    @usableFromInline
    init(priority: Int64) {
        // `Int64.max` marks an empty queue (see `Scheduler.injectorFront`); no work may carry it.
        self.priority = min(priority, Int64.max - 1)
    }

    /// Runs the work on `worker`'s thread. Called by the scheduler only.
    func run(on worker: Worker) {
        preconditionFailure("\(type(of: self)) must override run(on:)")
    }
}
