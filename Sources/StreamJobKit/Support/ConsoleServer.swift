import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves the console's JSON API (``ConsoleAPI``) over HTTP, on 127.0.0.1 unless another host
/// is asked for.
///
/// ```swift
/// let console = try await ConsoleServer.start(host: "127.0.0.1", port: 0, api: api)
/// print(console.port)
/// ```
final class ConsoleServer: Sendable {
    private let channel: any Channel
    /// The port it listens on (the one asked for, or the one the system chose for 0).
    let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    static func start(host: String, port: Int, api: ConsoleAPI) async throws -> ConsoleServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ConsoleHandler(api: api))
                }
            }
            .bind(host: host, port: port).get()
        return ConsoleServer(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Answers `GET /api/v1/…` with the document, anything else with 404.
final class ConsoleHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let api: ConsoleAPI

    init(api: ConsoleAPI) {
        self.api = api
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let request) = unwrapInboundIn(data) else { return }
        let path = String(request.uri.split(separator: "?", maxSplits: 1).first ?? "")
        var status = HTTPResponseStatus.ok
        var body: Data
        do {
            if request.method == .GET, let document = try api.document(at: path) {
                body = document
            } else {
                status = .notFound
                body = Data(#"{"error":"not found: the API is at /api/v1/job, /api/v1/steps, /api/v1/watermarks and /api/v1/checkpoints"}"#.utf8)
            }
        } catch {
            status = .internalServerError
            body = Data(#"{"error":"the document could not be made"}"#.utf8)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
