import Foundation

/// Test hosts on one machine: network namespaces joined by a bridge, each with its own loopback
/// and address, made with `ip netns` (needs root or CAP_NET_ADMIN; ``available`` says whether
/// this machine allows it). A broker that listens on loopback (the embedded one) is reached from
/// the other hosts through small TCP forwarders (Python, from `forwarder.py`): each host's
/// `127.0.0.1:port` goes over the bridge to the broker host, so every byte between an instance
/// and the broker crosses a network.
///
/// ```swift
/// let hosts = try NetworkHosts(count: 3)      // hosts[0] … hosts[2], each "ip netns exec …"
/// defer { hosts.remove() }
/// ```
final class NetworkHosts {
    let tag: String
    let subnet: String
    let names: [String]
    let directory: String
    private var forwarders: [Process] = []

    /// Whether namespaces can be made here (tried with a throwaway one).
    static let available: Bool = {
        let probe = "se-probe-\(getpid())"
        guard (try? run(["netns", "add", probe])) != nil else { return false }
        _ = try? run(["netns", "delete", probe])
        return FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/python3")
    }()

    init(count: Int, directory: String) throws {
        let tag = String(UInt16.random(in: 0x1000...UInt16.max), radix: 16)
        self.tag = tag
        subnet = "10.\(Int.random(in: 100...250)).\(Int.random(in: 0...250))"
        names = (0..<count).map { "se\(tag)h\($0)" }
        self.directory = directory
        try Self.run(["link", "add", "sebr\(tag)", "type", "bridge"])
        try Self.run(["addr", "add", "\(subnet).254/24", "dev", "sebr\(tag)"])
        try Self.run(["link", "set", "sebr\(tag)", "up"])
        for (index, name) in names.enumerated() {
            let (outside, inside) = ("se\(tag)v\(index)", "se\(tag)p\(index)")
            try Self.run(["netns", "add", name])
            try Self.run(["link", "add", outside, "type", "veth", "peer", "name", inside])
            try Self.run(["link", "set", inside, "netns", name])
            try Self.run(["link", "set", outside, "master", "sebr\(tag)"])
            try Self.run(["link", "set", outside, "up"])
            try Self.run(["netns", "exec", name, "ip", "addr", "add", "\(address(of: index))/24", "dev", inside])
            try Self.run(["netns", "exec", name, "ip", "link", "set", inside, "up"])
            try Self.run(["netns", "exec", name, "ip", "link", "set", "lo", "up"])
        }
        try Self.forwarderScript.write(toFile: "\(directory)/forwarder.py", atomically: true, encoding: .utf8)
    }

    func address(of host: Int) -> String { "\(subnet).\(host + 1)" }

    /// `arguments` as run on host `host`.
    func command(on host: Int, _ arguments: [String]) -> [String] { ["netns", "exec", names[host]] + arguments }

    /// Makes `port` on host `server`'s loopback reachable as `127.0.0.1:port` on every other host
    /// (and in this process's own namespace, with `fromHere`).
    func share(port: Int, of server: Int, fromHere: Bool = true) throws {
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "/usr/local/bin/python3"
        let script = "\(directory)/forwarder.py"
        var launches = [command(on: server, [python, script, address(of: server), "\(port)", "127.0.0.1", "\(port)"])]
        for host in names.indices where host != server {
            launches.append(command(on: host, [python, script, "127.0.0.1", "\(port)", address(of: server), "\(port)"]))
        }
        if fromHere { launches.append([python, script, "127.0.0.1", "\(port)", address(of: server), "\(port)"]) }
        for (index, arguments) in launches.enumerated() {
            let process = Process()
            let isIP = arguments.first == "netns"
            process.executableURL = URL(fileURLWithPath: isIP ? "/usr/sbin/ip" : arguments[0])
            process.arguments = isIP ? arguments : Array(arguments.dropFirst())
            let log = "\(directory)/forwarder-\(index).txt"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            forwarders.append(process)
            // Listening before anything connects through it.
            for _ in 0..<100 where ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").isEmpty { Thread.sleep(forTimeInterval: 0.02) }
        }
    }

    /// Stops the forwarders and removes the namespaces and the bridge.
    func remove() {
        for process in forwarders where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for name in names { _ = try? Self.run(["netns", "delete", name]) }
        _ = try? Self.run(["link", "delete", "sebr\(tag)"])
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        // Waited for through the termination handler: `waitUntilExit` needs a run loop that a
        // test's thread does not turn.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        exited.wait()
        guard process.terminationStatus == 0 else {
            throw NetworkHostsError(description: "ip \(arguments.joined(separator: " ")): \(output)")
        }
        return output
    }

    struct NetworkHostsError: Error, CustomStringConvertible {
        let description: String
    }

    /// A TCP forwarder: listens on host:port, and copies each connection both ways to target:port.
    static let forwarderScript = """
        import asyncio, sys
        listen_host, listen_port, target_host, target_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])

        async def pipe(reader, writer):
            try:
                while True:
                    data = await reader.read(65536)
                    if not data:
                        break
                    writer.write(data)
                    await writer.drain()
            except Exception:
                pass
            finally:
                writer.close()

        async def handle(reader, writer):
            try:
                target_reader, target_writer = await asyncio.open_connection(target_host, target_port)
            except Exception:
                writer.close()
                return
            await asyncio.gather(pipe(reader, target_writer), pipe(target_reader, writer))

        async def main():
            server = await asyncio.start_server(handle, listen_host, listen_port)
            print("listening", flush=True)
            async with server:
                await server.serve_forever()

        asyncio.run(main())
        """
}
