import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
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
    private let channel: any Channel
    /// The port it listens on (the one asked for, or the one the system chose for 0).
    let port: Int

    private init(registry: PrometheusCollectorRegistry, channel: any Channel) {
        self.registry = registry
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    static func start(host: String, port: Int) async throws -> MetricsServer {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(registry: registry))
                }
            }
            .bind(host: host, port: port).get()
        return MetricsServer(registry: registry, channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Answers `GET /metrics` with the registry's text and anything else with 404.
final class MetricsHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let request) = unwrapInboundIn(data) else { return }
        let found = request.method == .GET && (request.uri == "/metrics" || request.uri.hasPrefix("/metrics?"))
        let body = found ? registry.emitToBuffer() : Array("not found: the metrics are at /metrics\n".utf8)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: request.version, status: found ? .ok : .notFound, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
