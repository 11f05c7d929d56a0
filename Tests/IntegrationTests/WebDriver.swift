import Foundation
import Glibc

/// A headless Chromium driven through chromedriver's WebDriver protocol (plain HTTP and JSON),
/// for the tests of the console page. `make test` installs `chromium` and `chromium-driver`.
final class WebDriver {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let chromedriver = "/usr/bin/chromedriver"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: chromedriver) }

    private let driver = Process()
    private let port: Int
    private var session = ""

    /// Starts chromedriver on a free port and opens a headless browser session.
    init() throws {
        port = Int.random(in: 20_000..<40_000)
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=\(port)"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        var ready = false
        for _ in 0..<100 where !ready {
            ready = ((try? call("GET", "/status"))?["ready"] as? Bool) == true
            if !ready { usleep(50_000) }
        }
        guard ready else { throw Failure(description: "chromedriver did not start") }
        let options: [String: Any] = ["args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1200"]]
        let answer = try call("POST", "/session", ["capabilities": ["alwaysMatch": ["goog:chromeOptions": options]]])
        guard let id = answer["sessionId"] as? String else { throw Failure(description: "no session: \(answer)") }
        session = id
    }

    /// Closes the browser and stops chromedriver (which does not stop on SIGTERM).
    deinit {
        _ = try? call("DELETE", "/session/\(session)")
        kill(driver.processIdentifier, SIGKILL)
        driver.waitUntilExit()
    }

    func open(_ url: String) throws {
        _ = try call("POST", "/session/\(session)/url", ["url": url])
    }

    /// Whether `script` (a function body run in the page) returns true.
    func isTrue(_ script: String) throws -> Bool {
        try run(script) as? Bool == true
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    func run(_ script: String) throws -> Any? {
        try value("POST", "/session/\(session)/execute/sync", ["script": script, "args": []])
    }

    /// The page as a PNG.
    func screenshot() throws -> Data {
        guard let text = try value("GET", "/session/\(session)/screenshot") as? String, let data = Data(base64Encoded: text) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }

    /// One WebDriver call; returns its `value` as an object.
    @discardableResult
    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        try value(method, path, body) as? [String: Any] ?? [:]
    }

    /// One WebDriver call; returns its `value`.
    private func value(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let answer = try Self.http(method, port: port, path: path, body: payload)
        let object = try JSONSerialization.jsonObject(with: answer) as? [String: Any]
        if let failure = (object?["value"] as? [String: Any])?["error"] as? String {
            throw Failure(description: "\(method) \(path): \(failure): \((object?["value"] as? [String: Any])?["message"] ?? "")")
        }
        return object?["value"] ?? nil
    }

    /// One HTTP/1.1 request to 127.0.0.1:`port` over a plain socket (the connection closed after
    /// it); returns the response's body.
    static func http(_ method: String, port: Int, path: String, body: Data) throws -> Data {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "no socket") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "cannot connect to port \(port)") }
        var request = Data("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n".utf8)
        request.append(Data("Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
        request.append(body)
        try request.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let wrote = send(socket, raw.baseAddress! + sent, raw.count - sent, 0)
                guard wrote > 0 else { throw Failure(description: "send failed") }
                sent += wrote
            }
        }
        // Read until the body is complete (by its length, or the last chunk): the server may
        // keep the connection open.
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let split = response.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: response[..<split.lowerBound], as: UTF8.self).lowercased()
                let content = Data(response[split.upperBound...])
                if head.contains("transfer-encoding: chunked") {
                    if content.range(of: Data("0\r\n\r\n".utf8)) != nil { return dechunked(content) }
                } else if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                          let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) {
                    if content.count >= length { return content.prefix(length) }
                }
            }
            let read = recv(socket, &buffer, buffer.count, 0)
            if read <= 0 {
                guard let split = response.range(of: Data("\r\n\r\n".utf8)) else { throw Failure(description: "no HTTP response") }
                return Data(response[split.upperBound...])
            }
            response.append(contentsOf: buffer[0..<read])
        }
    }

    /// The body of a chunked response.
    static func dechunked(_ data: Data) -> Data {
        var result = Data()
        var rest = data[...]
        while let line = rest.range(of: Data("\r\n".utf8)) {
            guard let size = Int(String(decoding: rest[..<line.lowerBound], as: UTF8.self), radix: 16), size > 0 else { break }
            let start = line.upperBound
            result.append(rest[start..<(start + size)])
            rest = rest[(start + size + 2)...]
        }
        return result
    }
}
