import CRdKafka

/// One librdkafka client handle (`rd_kafka_t`), a producer or a consumer, freed in `deinit`.
/// It keeps alive `owner`, the object its callbacks reach through the configuration's opaque
/// pointer, for as long as librdkafka may call them.
///
/// `@unchecked Sendable` is safe: librdkafka handles are thread-safe (its documentation), and
/// the pointer never changes.
final class RDKafkaHandle: @unchecked Sendable {
    enum Kind {
        case producer, consumer
    }

    let pointer: OpaquePointer
    private let owner: AnyObject?

    init(_ kind: Kind, config: RDKafkaConfig, owner: AnyObject? = nil) throws {
        var message = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        let conf = config.take()
        guard let handle = rd_kafka_new(type, conf, &message, message.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(action: "creating a \(kind)", message: message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        pointer = handle
        self.owner = owner
    }

    deinit {
        rd_kafka_destroy(pointer)
    }
}
