import CRdKafka

/// A librdkafka configuration (`rd_kafka_conf_t`) built from properties by name — the same
/// names as in any librdkafka client, so TLS, SASL and tuning work as users know them.
/// Each property is checked as it is set; an unknown name or a bad value is an error naming it.
///
/// Owned until a handle takes it (`rd_kafka_new` frees it then); otherwise freed in `deinit`.
final class RDKafkaConfig {
    private var pointer: OpaquePointer?

    init(_ properties: [String: String]) throws {
        pointer = rd_kafka_conf_new()
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) { try set(name, value) }
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }

    func set(_ name: String, _ value: String) throws {
        var message = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, name, value, &message, message.count)
        guard result == RD_KAFKA_CONF_OK else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(action: "configuring '\(name)'", message: reason.isEmpty ? "invalid value '\(value)'" : reason)
        }
    }

    /// Lets `body` use the configuration pointer while it still owns it (to set callbacks).
    func withPointer<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        try body(pointer!)
    }

    /// Hands the configuration to librdkafka, which frees it from now on.
    func take() -> OpaquePointer {
        defer { pointer = nil }
        return pointer!
    }
}
