import Synchronization

/// One transactional producer of a transactional Kafka sink and where its transaction is. The
/// sink alternates between two, so that records after a checkpoint go into the other producer's
/// transaction while this one's waits for the checkpoint to be durable.
final class TransactionSlot: Sendable {
    enum Phase: Sendable, Equatable {
        /// No transaction: the next write begins one.
        case idle
        /// Records go into the open transaction.
        case open
        /// Flushed at checkpoint `id`; committed once that checkpoint is durable.
        case sealed(Int)
        /// The commit or the checkpoint failed: the job stops at its next write or checkpoint.
        case failed(String)
    }

    private struct State {
        var phase = Phase.idle
        /// The newest checkpoint whose transaction this slot committed.
        var lastCommitted = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    let producer: any KafkaTransactionalProducer
    private let state = Mutex(State())

    init(producer: any KafkaTransactionalProducer) {
        self.producer = producer
    }

    var phase: Phase { state.withLock { $0.phase } }
    var lastCommitted: Int { state.withLock { $0.lastCommitted } }

    func set(_ phase: Phase) {
        state.withLock { $0.phase = phase }
    }

    /// The sealed transaction of checkpoint `id` is committed: the slot is free again.
    func committed(_ id: Int) {
        settle { state in
            state.phase = .idle
            state.lastCommitted = id
        }
    }

    /// The sealed transaction cannot be committed (`reason`).
    func failed(_ reason: String) {
        settle { $0.phase = .failed(reason) }
    }

    /// Moves a sealed transaction on and wakes a writer waiting for it.
    private func settle(_ change: (inout State) -> Void) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if case .sealed = state.phase { change(&state) }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits while the transaction is sealed.
    func waitUntilSettled() async {
        await withCheckedContinuation { continuation in
            let waiting = state.withLock { state -> Bool in
                guard case .sealed = state.phase else { return false }
                state.waiter = continuation
                return true
            }
            if !waiting { continuation.resume() }
        }
    }
}
