import Foundation

/// Serves the console (``ConsoleAPI``: the page at `/`, the JSON API under `/api/v1/`) over
/// HTTP, on 127.0.0.1 unless another host is asked for.
///
/// ```swift
/// let console = try await ConsoleServer.start(host: "127.0.0.1", port: 0, api: api)
/// print(console.port)
/// ```
enum ConsoleServer {
    static func start(host: String, port: Int, api: ConsoleAPI) async throws -> HTTPEndpoint {
        try await HTTPEndpoint.start(host: host, port: port) { method, path in
            do {
                if method == .GET, let response = try api.response(at: path) {
                    return .init(status: .ok, contentType: response.contentType, body: Array(response.body))
                }
                return .init(status: .notFound, contentType: "application/json",
                             body: Array(#"{"error":"not found: the page is at /, the API at /api/v1/job, /api/v1/steps, /api/v1/watermarks and /api/v1/checkpoints"}"#.utf8))
            } catch {
                return .init(status: .internalServerError, contentType: "application/json", body: Array(#"{"error":"the document could not be made"}"#.utf8))
            }
        }
    }
}
