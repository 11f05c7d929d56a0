import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP server on SwiftNIO that answers each request with `respond(method, path)` and
/// closes the connection: what the metrics endpoint and the console are built on.
///
/// ```swift
/// let endpoint = try await HTTPEndpoint.start(host: "127.0.0.1", port: 0) { _, path in
///     HTTPEndpoint.Response(status: .ok, contentType: "text/plain", body: Array("hello \(path)".utf8))
/// }
/// print(endpoint.port)
/// ```
final class HTTPEndpoint: Sendable {
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]
    }

    typealias Responder = @Sendable (_ method: HTTPMethod, _ path: String) -> Response

    private let channel: any Channel
    /// The port it listens on (the one asked for, or the one the system chose for 0).
    let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    static func start(host: String, port: Int, respond: @escaping Responder) async throws -> HTTPEndpoint {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(HTTPEndpointHandler(respond: respond))
                }
            }
            .bind(host: host, port: port).get()
        return HTTPEndpoint(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Answers each request's head with the responder's response; the path is the URI without its query.
final class HTTPEndpointHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let respond: HTTPEndpoint.Responder

    init(respond: @escaping HTTPEndpoint.Responder) {
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let request) = unwrapInboundIn(data) else { return }
        let response = respond(request.method, String(request.uri.split(separator: "?", maxSplits: 1).first ?? ""))
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: response.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
