import CRdKafka
import Stream
import Foundation
import Synchronization

/// What librdkafka reported about produced messages, buffered as its callback delivers it (on
/// the producer's poll thread) and read by the producer's users. A producer whose queue is full
/// waits here for the next report instead of sleeping a fixed time.
///
/// `@unchecked Sendable` is safe: every field is read and written with `condition` locked.
final class DeliveryReports: @unchecked Sendable {
    private let condition = NSCondition()
    private var deliveredCount = 0
    private var reported = 0
    private var failures: [KafkaError] = []
    private var waiters = 0
    /// Per topic and partition, the offset after the last record delivered there.
    private var deliveredEnds: [String: [Int32: Int64]] = [:]
    /// The topic handle of the last report and its name (reports come in runs of one topic).
    private var lastTopic: (handle: OpaquePointer?, name: String) = (nil, "")

    func record(_ message: UnsafePointer<rd_kafka_message_t>) {
        condition.lock()
        defer { condition.unlock() }
        reported += 1
        let error = message.pointee.err
        if message.pointee.rkt != lastTopic.handle {
            lastTopic = (message.pointee.rkt, message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?")
        }
        if error == RD_KAFKA_RESP_ERR_NO_ERROR {
            deliveredCount += 1
            if message.pointee.offset >= 0 {
                let next = message.pointee.offset + 1
                if next > deliveredEnds[lastTopic.name]?[message.pointee.partition] ?? 0 {
                    deliveredEnds[lastTopic.name, default: [:]][message.pointee.partition] = next
                }
            }
        } else {
            failures.append(KafkaError(error, action: "delivering to \(lastTopic.name)"))
        }
        if waiters > 0 { condition.broadcast() }
    }

    /// Waits until a report arrives after this call (a message left librdkafka's queue), or `timeout`.
    func waitForNext(timeout: Duration) {
        condition.lock()
        defer { condition.unlock() }
        let seen = reported
        let deadline = Date(timeIntervalSinceNow: Double(timeout.milliseconds) / 1000)
        waiters += 1
        while reported == seen, condition.wait(until: deadline) {}
        waiters -= 1
    }

    /// Removes and returns the failures reported so far.
    func takeFailures() -> [KafkaError] {
        condition.lock()
        defer { condition.unlock() }
        defer { failures = [] }
        return failures
    }

    /// Each partition of `topic`'s offset after the last record delivered there: what the
    /// partition holds at least, whatever end offset a broker reports.
    func deliveredEnds(of topic: String) -> [Int32: Int64] {
        condition.lock()
        defer { condition.unlock() }
        return deliveredEnds[topic] ?? [:]
    }

    var delivered: Int {
        condition.lock()
        defer { condition.unlock() }
        return deliveredCount
    }
}

/// librdkafka's producer: messages are queued in librdkafka and sent in the background; a
/// dedicated thread polls for delivery reports, never the cooperative pool.
///
/// `@unchecked Sendable` is safe: the handle is thread-safe, the reports are behind a mutex,
/// and the poll thread is started once and stopped in `deinit` (its flag is atomic).
final class RDKafkaProducer: RDKafkaClient, @unchecked Sendable {
    let handle: RDKafkaHandle
    let reports: DeliveryReports
    private let stopping = StopFlag()
    private let stopped = DispatchSemaphore(value: 0)

    /// A producer with librdkafka `properties` (e.g. `bootstrap.servers`, `enable.idempotence`).
    init(properties: [String: String]) throws {
        let reports = DeliveryReports()
        let config = try RDKafkaConfig(properties)
        config.withPointer { conf in
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(reports).toOpaque())
            rd_kafka_conf_set_dr_msg_cb(conf, { _, message, opaque in
                guard let message, let opaque else { return }
                Unmanaged<DeliveryReports>.fromOpaque(opaque).takeUnretainedValue().record(message)
            })
        }
        handle = try RDKafkaHandle(.producer, config: config, owner: reports)
        self.reports = reports
        let thread = Thread { [handle, stopping, stopped] in
            while !stopping.isSet { rd_kafka_poll(handle.pointer, 50) }
            stopped.signal()
        }
        thread.name = "rdkafka-producer-poll"
        thread.start()
    }

    /// Stops the poll thread without waiting for it here (a deinit may run on the cooperative
    /// pool): the handle is released, and librdkafka's blocking destroy runs, off the pool once
    /// the thread has stopped.
    deinit {
        stopping.set()
        BlockingLane.release(handle, after: stopped)
    }

    /// Queues one message; while librdkafka's queue is full, waits for deliveries to make room:
    /// back-pressure. librdkafka copies the key, value and headers.
    func produce(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?,
                 headers: [KafkaRecord.Header] = [], timestamp: Int64? = nil) throws {
        while true {
            let error = Self.produceOnce(handle.pointer, topic: topic, partition: partition, key: key, value: value,
                                         timestamp: timestamp, headers: headers)
            guard let error else { return }
            let code = rd_kafka_error_code(error)
            rd_kafka_error_destroy(error)
            guard code == RD_KAFKA_RESP_ERR__QUEUE_FULL else { throw KafkaError(code, action: "producing to \(topic)") }
            reports.waitForNext(timeout: .milliseconds(10))
        }
    }

    /// One `rd_kafka_produceva` call; its arguments live on the stack (no allocation per message
    /// beyond librdkafka's own copy).
    private static func produceOnce(_ handle: OpaquePointer, topic: String, partition: Int32?, key: [UInt8]?, value: [UInt8]?,
                                    timestamp: Int64?, headers: [KafkaRecord.Header]) -> OpaquePointer? {
        topic.withCString { topicName in
            withOptionalBytes(key) { keyBytes in
                withOptionalBytes(value) { valueBytes in
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { args in
                        var count = 0
                        func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                            var argument = rd_kafka_vu_t()
                            argument.vtype = type
                            fill(&argument)
                            args.initializeElement(at: count, to: argument)
                            count += 1
                        }
                        add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topicName }
                        add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition ?? -1 }
                        add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                        if let keyBytes {
                            add(RD_KAFKA_VTYPE_KEY) {
                                $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                                $0.u.mem.size = keyBytes.count
                            }
                        }
                        if let valueBytes {
                            add(RD_KAFKA_VTYPE_VALUE) {
                                $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress)
                                $0.u.mem.size = valueBytes.count
                            }
                        }
                        if let timestamp { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
                        var list: OpaquePointer?
                        if !headers.isEmpty {
                            list = rd_kafka_headers_new(headers.count)
                            for header in headers {
                                _ = header.value.withUnsafeBytes { rd_kafka_header_add(list, header.name, -1, $0.baseAddress, $0.count) }
                            }
                            add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = list }
                        }
                        let error = rd_kafka_produceva(handle, args.baseAddress, count)
                        // On success librdkafka owns the headers; on failure they are still ours.
                        if error != nil, let list { rd_kafka_headers_destroy(list) }
                        return error
                    }
                }
            }
        }
    }

    /// Waits until every queued message is delivered (or failed), up to `timeout`; throws the
    /// first delivery failure.
    func flush(timeout: Duration = .seconds(30)) throws {
        let error = rd_kafka_flush(handle.pointer, Int32(timeout.milliseconds))
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(error, action: "flushing") }
        if let failure = reports.takeFailures().first { throw failure }
    }
}

/// `body` with the bytes of `array`, or nil.
func withOptionalBytes<T>(_ array: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> T) -> T {
    guard let array else { return body(nil) }
    return array.withUnsafeBytes { body($0) }
}

/// A flag one thread sets and another polls.
final class StopFlag: Sendable {
    private let value = Atomic(false)

    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
