import CRdKafka

/// A Kafka cluster inside this process, over librdkafka's mock cluster: real Kafka protocol on
/// 127.0.0.1, no server to install. For tests and demos (`stream-job dev-broker`).
///
/// Known limits (librdkafka 2.0.2): each partition keeps only about its newest 5 MiB; a member
/// joining a running group waits about `session.timeout.ms` − 1 s, and a new group's first join
/// waits 3 s, so `session.timeout.ms` must be above 3000 or members time out while they wait
/// (6000 works); an idle consumer beside a producer slows its acknowledgements; offset commits during a
/// rebalance are refused; topics are created here, not by an admin call; an empty fetch waits
/// the full `fetch.wait.max.ms`; transactions are accepted but do not change what a
/// read-committed consumer sees.
///
/// ```swift
/// let kafka = try EmbeddedKafka(topics: ["clicks": 4])
/// let bootstrap = kafka.bootstrapServers     // "127.0.0.1:40123"
/// ```
///
/// `@unchecked Sendable` is safe: the mock cluster's calls are thread-safe (librdkafka), and
/// the pointers never change.
public final class EmbeddedKafka: @unchecked Sendable {
    /// `host:port,…` for `bootstrap.servers`.
    public let bootstrapServers: String
    private let handle: RDKafkaHandle
    private let cluster: OpaquePointer

    /// Starts `brokers` brokers with `topics` (name: partitions).
    public init(brokers: Int = 1, topics: [String: Int] = [:]) throws {
        handle = try RDKafkaHandle(.producer, config: try RDKafkaConfig(["client.id": "embedded-kafka", "log_level": "3"]))
        guard let cluster = rd_kafka_mock_cluster_new(handle.pointer, Int32(max(1, brokers))) else {
            throw KafkaError(action: "starting the embedded cluster", message: "librdkafka could not start its mock cluster")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        for (name, partitions) in topics.sorted(by: { $0.key < $1.key }) { try createTopic(name, partitions: partitions) }
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        let error = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(error, action: "creating topic \(name)") }
    }

    /// A kind of request the broker answers, for ``failNext(_:count:with:)``.
    public enum Request: Int16, Sendable {
        case produce = 0
        case fetch = 1
        case listOffsets = 2
        case metadata = 3
        case offsetCommit = 8
    }

    /// An error the broker can be made to answer with: each is one that clients retry.
    public enum InjectedError: Sendable {
        case notLeaderForPartition, leaderNotAvailable, requestTimedOut, notEnoughReplicas

        var code: rd_kafka_resp_err_t {
            switch self {
            case .notLeaderForPartition: RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION
            case .leaderNotAvailable: RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE
            case .requestTimedOut: RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT
            case .notEnoughReplicas: RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS
            }
        }
    }

    /// Makes the broker answer the next `count` requests of a kind with `error`, for
    /// fault-injection tests.
    ///
    /// ```swift
    /// kafka.failNext(.produce, count: 5, with: .notEnoughReplicas)
    /// ```
    public func failNext(_ request: Request, count: Int, with error: InjectedError) {
        let errors = [rd_kafka_resp_err_t](repeating: error.code, count: count)
        errors.withUnsafeBufferPointer { rd_kafka_mock_push_request_errors_array(cluster, request.rawValue, count, $0.baseAddress) }
    }

    /// Takes broker `id` (1-based) down or brings it back, for fault-injection tests.
    public func setBroker(_ id: Int, up: Bool) throws {
        let error = up ? rd_kafka_mock_broker_set_up(cluster, Int32(id)) : rd_kafka_mock_broker_set_down(cluster, Int32(id))
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(error, action: "setting broker \(id) \(up ? "up" : "down")") }
    }
}
