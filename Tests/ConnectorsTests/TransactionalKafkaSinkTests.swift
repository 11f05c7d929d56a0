import Foundation
import Stream
import StreamTesting
import Synchronization
import Testing
@testable import Connectors

/// Records the transactional calls a sink makes, with the newest durable checkpoint at each
/// commit, so a test can check the order: init first; begin before produce; a flush seals each
/// checkpoint's transaction; commit only once that checkpoint is on disk.
final class RecordingTransactions: KafkaTransactionalProducer {
    let calls = Mutex<[String]>([])
    let store: CheckpointStore

    init(store: CheckpointStore) {
        self.store = store
    }

    private func record(_ call: String) {
        calls.withLock { calls in
            if call == "produce", let last = calls.last, last.hasPrefix("produce×") {
                calls[calls.count - 1] = "produce×\(Int(last.dropFirst("produce×".count))! + 1)"
            } else {
                calls.append(call == "produce" ? "produce×1" : call)
            }
        }
    }

    func initTransactions(timeout: Duration) throws { record("init") }
    func beginTransaction() throws { record("begin") }
    func produce(topic: String, key: [UInt8]?, value: [UInt8]) throws { record("produce") }
    func flush(timeout: Duration) throws { record("flush") }
    func commitTransaction(timeout: Duration) throws { record("commit@chk-\((try? store.ids().last) ?? 0)") }
    func abortTransaction(timeout: Duration) throws { record("abort") }
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

    static func recordingSink(_ recorder: RecordingTransactions, timeoutMilliseconds: Int = 60_000) -> Sink<Int> {
        .transactionalKafka("out", properties: ["transaction.timeout.ms": "\(timeoutMilliseconds)"],
                            key: { _ in nil }, value: { Array(String($0).utf8) }) { recorder }
    }

    @Test func oneTransactionPerCheckpointCommittedOnlyOnceTheCheckpointIsDurable() async throws {
        let root = NSTemporaryDirectory() + "kafka-txn-\(UUID().uuidString.prefix(8))"
        let recorder = RecordingTransactions(store: CheckpointStore(root: root, job: "transactional"))
        let control = RunControl()
        try await Self.job(requestAt: [99, 199], control: control, sink: Self.recordingSink(recorder))
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(20), control: control))
        // chk-1 before reading, chk-2 and chk-3 on request, chk-4 at the end (after close's flush).
        #expect(recorder.calls.withLock { $0 } == [
            "init", "begin", "flush", "commit@chk-1",
            "begin", "produce×100", "flush", "commit@chk-2",
            "begin", "produce×100", "flush", "commit@chk-3",
            "begin", "produce×100", "flush", "flush", "commit@chk-4",
        ])

        // A restore fences and aborts the earlier producer's leftovers first: init before anything.
        let restored = RecordingTransactions(store: CheckpointStore(root: root, job: "transactional"))
        try await Self.job(requestAt: [], control: RunControl(), sink: Self.recordingSink(restored))
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, restore: .latest))
        #expect(restored.calls.withLock { $0 }.first == "init")
    }

    @Test func aCheckpointWhoseTransactionWasNotCommittedIsPassedOverForTheOneBefore() async throws {
        let root = NSTemporaryDirectory() + "kafka-txn-\(UUID().uuidString.prefix(8))"
        let recorder = RecordingTransactions(store: CheckpointStore(root: root, job: "transactional"))
        let control = RunControl()
        try await Self.job(requestAt: [99], control: control, sink: Self.recordingSink(recorder))
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(20), control: control))
        // As if the process died between writing chk-3 (the final one) and committing its transaction.
        try FileManager.default.removeItem(atPath: "\(root)/transactional/chk-3/COMMITTED")
        let store = CheckpointStore(root: root, job: "transactional")
        #expect(throws: CheckpointError.uncommitted("chk-3")) { try store.read(id: 3) }
        #expect(try store.latest()?.manifest.id == 2)
        // A restore of the latest replays from chk-2: the 200 records after it, in new transactions.
        let again = RecordingTransactions(store: store)
        let summary = try await Self.job(requestAt: [], control: RunControl(), sink: Self.recordingSink(again))
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(20), restore: .latest))
        #expect(summary.recordsRead == 200)
        #expect(again.calls.withLock { $0 } == ["init", "begin", "produce×200", "flush", "flush", "commit@chk-4"])
    }

    @Test func aTransactionTimeoutShorterThanTwoCheckpointIntervalsIsRefusedAtStart() async throws {
        let root = NSTemporaryDirectory() + "kafka-txn-\(UUID().uuidString.prefix(8))"
        let recorder = RecordingTransactions(store: CheckpointStore(root: root, job: "transactional"))
        let error = await #expect(throws: StreamError.self) {
            try await Self.job(requestAt: [], control: RunControl(), sink: Self.recordingSink(recorder, timeoutMilliseconds: 15_000))
                .run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(10)))
        }
        #expect("\(error!)".contains("transaction.timeout.ms"))
        #expect(recorder.calls.withLock { $0 }.isEmpty)
    }

    @Test func librdkafkasTransactionsAgainstTheEmbeddedBroker() async throws {
        let kafka = try EmbeddedKafka(topics: ["out": 2])
        let root = NSTemporaryDirectory() + "kafka-txn-\(UUID().uuidString.prefix(8))"
        let control = RunControl()
        let sink: Sink<Int> = .kafka("out", bootstrapServers: kafka.bootstrapServers, properties: ["linger.ms": "1"],
                                     transactionalID: "transactional-test", key: { _ in nil }, value: { Array(String($0).utf8) })
        try await Self.job(requestAt: [99, 199], control: control, sink: sink)
            .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: root, checkpointInterval: .seconds(20), control: control))
        let consumer = try RDKafkaConsumer(properties: ["bootstrap.servers": kafka.bootstrapServers, "fetch.wait.max.ms": "10"])
        var total: Int64 = 0
        for partition in try consumer.partitions(of: "out") { total += try consumer.endOffset(topic: "out", partition: partition) }
        // 300 records plus one control record (the commit marker) per transaction and partition written.
        #expect(total >= 300)
        try consumer.assign(try consumer.partitions(of: "out").map { ("out", $0, RDKafkaConsumer.beginning) })
        var numbers: [Int] = []
        for _ in 0..<200 where numbers.count < 300 {
            numbers += consumer.poll(max: 500, timeout: .milliseconds(50)).records.map { Int(String(decoding: $0.value ?? [], as: UTF8.self))! }
        }
        #expect(numbers.sorted() == Array(0..<300))
    }
}
