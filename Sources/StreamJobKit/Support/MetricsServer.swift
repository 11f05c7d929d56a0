import Metrics
import Prometheus

/// Serves the job's metrics in the Prometheus text format at `GET /metrics`, on 127.0.0.1
/// unless another host is asked for. Bootstraps swift-metrics with the Prometheus backend,
/// so every counter and gauge the engine keeps shows up.
///
/// ```sh
/// stream-job run w1-windows --metrics-port 9464 &
/// curl -s 127.0.0.1:9464/metrics | grep stream_records_in_total
/// ```
final class MetricsServer: Sendable {
    let registry: PrometheusCollectorRegistry
    private let endpoint: HTTPEndpoint
    /// The port it listens on (the one asked for, or the one the system chose for 0).
    var port: Int { endpoint.port }

    private init(registry: PrometheusCollectorRegistry, endpoint: HTTPEndpoint) {
        self.registry = registry
        self.endpoint = endpoint
    }

    static func start(host: String, port: Int) async throws -> MetricsServer {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let endpoint = try await HTTPEndpoint.start(host: host, port: port) { method, path in
            guard method == .GET, path == "/metrics" else {
                return .init(status: .notFound, contentType: "text/plain", body: Array("not found: the metrics are at /metrics\n".utf8))
            }
            return .init(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
        }
        return MetricsServer(registry: registry, endpoint: endpoint)
    }

    func stop() async {
        await endpoint.stop()
    }
}
