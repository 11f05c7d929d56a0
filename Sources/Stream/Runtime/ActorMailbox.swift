import DequeModule
import Synchronization

/// The scheduling side of an actor, without its type: a mailbox of messages delivered one at
/// a time, in order.
///
/// A call appends a message; the first message into an idle mailbox schedules the actor, and
/// the worker that runs it delivers every queued message in order (up to a budget, then it
/// yields the worker), so calls cost one scheduling per burst, not per call.
///
/// `@unchecked Sendable` is safe: `mailbox` is behind a mutex; `inbox` (and the typed state in
/// ``ActorCell``) is touched only while delivering, and the `isScheduled` flag guarantees one
/// deliverer at a time, the mutex hand-off ordering each turn before the next.
@usableFromInline
class ActorMailbox: ScheduledWork, @unchecked Sendable {
    /// Delivers one call: made where the call was made, specialized for its types, and
    /// capturing nothing (so it costs no allocation); the call itself travels in `call`.
    @usableFromInline
    typealias Deliver = @Sendable (_ actor: ActorMailbox, _ call: TaskNode) -> Void

    @usableFromInline
    struct Message: Sendable {
        let deliver: Deliver
        let call: TaskNode

        @usableFromInline
        init(deliver: @escaping Deliver, call: TaskNode) {
            self.deliver = deliver
            self.call = call
        }
    }

    private struct Mailbox {
        var messages = Deque<Message>()
        var isScheduled = false
    }

    @usableFromInline let scheduler: Scheduler
    private let mailbox = Mutex(Mailbox())
    @exclusivity(unchecked) private var inbox = Deque<Message>()
    /// Messages delivered per turn before the worker is handed back to other work.
    private let turnBudget = 4096

    init(scheduler: Scheduler, priority: Int64) {
        self.scheduler = scheduler
        super.init(priority: priority)
    }

    /// Queues a message; schedules the actor if it was idle.
    @usableFromInline
    func enqueue(_ message: Message) {
        scheduler.currentCounters.actorCallsQueued.increment()
        let needsScheduling = mailbox.withLock { mailbox -> Bool in
            mailbox.messages.append(message)
            if mailbox.isScheduled { return false }
            mailbox.isScheduled = true
            return true
        }
        if needsScheduling { scheduler.schedule(self) }
    }

    override func run(on worker: Worker) {
        var delivered = 0
        while true {
            let hasMessages = mailbox.withLock { mailbox -> Bool in
                if mailbox.messages.isEmpty {
                    mailbox.isScheduled = false
                    return false
                }
                swap(&mailbox.messages, &inbox)
                return true
            }
            guard hasMessages else { return }
            // Counted before delivery, so a caller that sees its result also sees the count.
            worker.counters.actorCalls.increment(by: inbox.count)
            for message in inbox { message.deliver(self, message.call) }
            delivered += inbox.count
            inbox.removeAll(keepingCapacity: true)
            if delivered >= turnBudget {
                scheduler.schedule(self)
                return
            }
        }
    }
}
