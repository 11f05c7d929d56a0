import CRdKafka

/// An error from Kafka or librdkafka, with librdkafka's code name and message.
///
/// ```text
/// Kafka error _TRANSPORT: connection refused (while producing to clicks)
/// ```
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's name for the code, e.g. `_TRANSPORT`, `UNKNOWN_TOPIC_OR_PART`.
    public let code: String
    public let message: String
    /// What the engine was doing.
    public let action: String
    /// Whether librdkafka says trying again can help.
    public let isRetryable: Bool
    /// The partition and offset a consumer's error is about, where it is about one.
    var partition: TopicPartition?
    var offset: Int64?

    init(_ error: rd_kafka_resp_err_t, action: String, message: String? = nil) {
        code = String(cString: rd_kafka_err2name(error))
        self.message = message ?? String(cString: rd_kafka_err2str(error))
        self.action = action
        isRetryable = error == RD_KAFKA_RESP_ERR__QUEUE_FULL || error == RD_KAFKA_RESP_ERR__TRANSPORT
            || error == RD_KAFKA_RESP_ERR__TIMED_OUT || error == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT
    }

    init(action: String, message: String) {
        code = "CONFIG"
        self.message = message
        self.action = action
        isRetryable = false
    }

    public var description: String { "Kafka error \(code): \(message) (while \(action))" }
}
