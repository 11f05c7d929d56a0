import Foundation
import Stream
import StreamTesting
import Synchronization
import Testing
@testable import Connectors

/// Records the transactional calls a sink makes to each of its producers, with the newest
/// durable checkpoint at each commit, so a test can check the order: init first; begin before
/// produce; a flush seals each checkpoint's transaction; commit only once that checkpoint is on disk.
final class RecordingTransactions: Sendable {
    let calls = Mutex<[Int: [String]]>([:])
    let store: CheckpointStore

    init(store: CheckpointStore) {
        self.store = store
    }

    func record(_ call: String, producer: Int) {
        calls.withLock { calls in
            var list = calls[producer, default: []]
            if call == "produce", let last = list.last, last.hasPrefix("produce×") {
                list[list.count - 1] = "produce×\(Int(last.dropFirst("produce×".count))! + 1)"
            } else {
                list.append(call == "produce" ? "produce×1" : call)
            }
            calls[producer] = list
        }
    }

    func producer(_ index: Int) -> any KafkaTransactionalProducer { Producer(recorder: self, index: index) }

    /// What each producer was asked, in order.
    var byProducer: [[String]] { calls.withLock { calls in [calls[0] ?? [], calls[1] ?? []] } }

    final class Producer: KafkaTransactionalProducer {
        let recorder: RecordingTransactions
        let index: Int

        init(recorder: RecordingTransactions, index: Int) {
            self.recorder = recorder
            self.index = index
        }

        func initTransactions(timeout: Duration) throws { recorder.record("init", producer: index) }
        func beginTransaction() throws { recorder.record("begin", producer: index) }
        func produce(topic: String, key: [UInt8]?, value: [UInt8]) throws { recorder.record("produce", producer: index) }
        func flush(timeout: Duration) throws { recorder.record("flush", producer: index) }
        func commitTransaction(timeout: Duration) throws {
            recorder.record("commit@chk-\((try? recorder.store.ids().last) ?? 0)", producer: index)
        }
        func abortTransaction(timeout: Duration) throws { recorder.record("abort", producer: index) }
    }
}

/// A sink whose state cannot be encoded at checkpoint `failing`: that checkpoint fails to write.
final class FailingStateWriter: SinkWriter, Sendable {
    struct Refused: Error {}
    let failing: Int

    init(failing: Int) {
        self.failing = failing
    }

    func write(_ batch: RecordBatch<Int>) async throws {}
    func close() async throws {}
    func checkpoint(_ barrier: CheckpointBarrier) async throws {
        let failing = failing
        barrier.store(for: "flaky") {
            if barrier.id == failing { throw Refused() }
            return try StateCodec.encode(barrier.id, step: "flaky")
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct TransactionalKafkaSinkTests {
    static func job(requestAt: Set<Int>, control: RunControl, sink: Sink<Int>) -> Job {
        let job = Job("transactional")
        job.source("numbers", .records(Array(0..<300), batchSize: 50))
            .map { number -> Int in
                if requestAt.contains(number) { control.requestCheckpoint() }
                return number
            }
            .sink("out", sink)
        return job
    }

    static func recordingSink(_ recorder: RecordingTransactions, timeoutMilliseconds: Int = 10_000_000) -> Sink<Int> {
        .transactionalKafka("out", properties: ["transaction.timeout.ms": "\(timeoutMilliseconds)"],
                            key: { _ in nil }, value: { Array(String($0).utf8) }) { recorder.producer($0) }
    }

    @Test func oneTransactionPerCheckpointCommittedOnlyOnceTheCheckpointIsDurable() async throws {
        let root = NSTemporaryDirectory() + "kafka-txn-\(UUID().uuidString.prefix(8))"
        let recorder = RecordingTransactions(store: CheckpointStore(root: root, job: "transactional"))
        let control = RunControl()
        try await Self.job(requestAt: [99, 199], control: control, sink: Self.recordingSink(recorder))
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600), control: control))
        // chk-1 before reading (nothing to commit), chk-2 and chk-3 on request, chk-4 at the end
        // (after close's flush); the producers take turns, one writing while the other commits.
        #expect(recorder.byProducer == [
            ["init", "begin", "produce×100", "flush", "commit@chk-2", "begin", "produce×100", "flush", "flush", "commit@chk-4"],
            ["init", "begin", "produce×100", "flush", "commit@chk-3"],
        ])

        // A restore fences and aborts the earlier producer's leftovers first: init before anything.
        let restored = RecordingTransactions(store: CheckpointStore(root: root, job: "transactional"))
        try await Self.job(requestAt: [], control: RunControl(), sink: Self.recordingSink(restored))
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, restore: .latest))
        #expect(restored.byProducer.map(\.first) == ["init", "init"])
    }

    @Test func aCheckpointWhoseTransactionWasNotCommittedIsPassedOverForTheOneBefore() async throws {
        let root = NSTemporaryDirectory() + "kafka-txn-\(UUID().uuidString.prefix(8))"
        let recorder = RecordingTransactions(store: CheckpointStore(root: root, job: "transactional"))
        let control = RunControl()
        try await Self.job(requestAt: [99], control: control, sink: Self.recordingSink(recorder))
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600), control: control))
        // As if the process died between writing chk-3 (the final one) and committing its transaction.
        try FileManager.default.removeItem(atPath: "\(root)/transactional/chk-3/COMMITTED")
        let store = CheckpointStore(root: root, job: "transactional")
        #expect(throws: CheckpointError.uncommitted("chk-3")) { try store.read(id: 3) }
        #expect(try store.latest()?.manifest.id == 2)
        // A restore of the latest replays from chk-2: the 200 records after it, in new transactions.
        let again = RecordingTransactions(store: store)
        let summary = try await Self.job(requestAt: [], control: RunControl(), sink: Self.recordingSink(again))
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600), restore: .latest))
        #expect(summary.recordsRead == 200)
        #expect(again.byProducer == [["init", "begin", "produce×200", "flush", "flush", "commit@chk-4"], ["init"]])
    }

    /// A job with the recording sink and a sink that fails checkpoint `failing`.
    static func jobWithFailingCheckpoint(_ recorder: RecordingTransactions, failing: Int, control: RunControl) -> Job {
        let job = Job("transactional")
        let numbers = job.source("numbers", .records(Array(0..<300), batchSize: 50))
            .map { number -> Int in
                if number == 99 || number == 199 { control.requestCheckpoint() }
                return number
            }
        numbers.sink("out", Self.recordingSink(recorder))
        numbers.sink("flaky", Sink("refuses a checkpoint") { context in
            _ = context.run.registerState(for: context.stepID)
            return FailingStateWriter(failing: failing)
        })
        return job
    }

    @Test func aFailedCheckpointStopsTheJobAndTheRestoreWritesItsRecordsOnce() async throws {
        let root = NSTemporaryDirectory() + "kafka-txn-\(UUID().uuidString.prefix(8))"
        let store = CheckpointStore(root: root, job: "transactional")
        let recorder = RecordingTransactions(store: store)
        let control = RunControl()
        await #expect(throws: StreamError.self) {
            try await Self.jobWithFailingCheckpoint(recorder, failing: 2, control: control)
                .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600), control: control))
        }
        // chk-2 failed: its transaction (0…99) cannot join producer 1's, so nothing after chk-1
        // is committed and the job stops.
        #expect(!recorder.byProducer.joined().contains { $0.hasPrefix("commit") })
        #expect(try store.latest()?.manifest.id == 1)
        let again = RecordingTransactions(store: store)
        let summary = try await Self.jobWithFailingCheckpoint(again, failing: -1, control: RunControl())
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(3600), restore: .latest))
        #expect(summary.recordsRead == 300)
        #expect(Array(again.byProducer[0].prefix(3)) == ["init", "begin", "produce×300"])
        #expect(again.byProducer[0].last?.hasPrefix("commit@chk-") == true)
        #expect(again.byProducer[1] == ["init"])
    }

    @Test func aTransactionTimeoutShorterThanTwoCheckpointIntervalsIsRefusedAtStart() async throws {
        let root = NSTemporaryDirectory() + "kafka-txn-\(UUID().uuidString.prefix(8))"
        let recorder = RecordingTransactions(store: CheckpointStore(root: root, job: "transactional"))
        let error = await #expect(throws: StreamError.self) {
            try await Self.job(requestAt: [], control: RunControl(), sink: Self.recordingSink(recorder, timeoutMilliseconds: 15_000))
                .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(10)))
        }
        #expect("\(error!)".contains("transaction.timeout.ms"))
        #expect(recorder.byProducer == [[], []])
    }

    @Test func librdkafkasTransactionsAgainstTheEmbeddedBroker() async throws {
        let kafka = try EmbeddedKafka(topics: ["out": 2])
        let root = NSTemporaryDirectory() + "kafka-txn-\(UUID().uuidString.prefix(8))"
        let control = RunControl()
        let sink: Sink<Int> = .kafka("out", bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "1", "transaction.timeout.ms": "900000"],
                                     transactionalID: "transactional-test", key: { _ in nil }, value: { Array(String($0).utf8) })
        try await Self.job(requestAt: [99, 199], control: control, sink: sink)
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(300), control: control))
        let consumer = try RDKafkaConsumer(properties: ["bootstrap.servers": kafka.bootstrapServers, "fetch.wait.max.ms": "10"])
        var total: Int64 = 0
        for partition in try consumer.partitions(of: "out") { total += try consumer.endOffset(topic: "out", partition: partition) }
        // 300 records plus one control record (the commit marker) per transaction and partition written.
        #expect(total >= 300)
        let numbers = try kafka.records(in: "out", expected: 300).map { Int($0.text)! }
        #expect(numbers.sorted() == Array(0..<300))
    }
}
