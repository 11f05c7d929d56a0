import Synchronization

/// A function that can run in a worker process: a name both sides know, and a body over
/// `Codable` values (encoded with the engine's state codec on the way there and back).
///
/// Register it in every process (the job's and its workers', which run the same binary and
/// register the same functions at start), then submit it with ``Runtime/submitRemote(_:_:options:)``.
///
/// ```swift
/// let square = RemoteFunction("square") { (x: Int) in x * x }
/// RemoteFunctions.register(square)
/// let nine = try await runtime.submitRemote(square, 3).value
/// ```
public struct RemoteFunction<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    public let name: String
    public let body: @Sendable (Input) throws -> Output

    public init(_ name: String, _ body: @escaping @Sendable (Input) throws -> Output) {
        self.name = name
        self.body = body
    }

    /// The untyped form a worker runs: bytes in, bytes out.
    var handler: RemoteHandler {
        RemoteHandler { [name, body] bytes in
            let input = try StateCodec.decode(Input.self, from: Array(bytes), step: name)
            return try StateCodec.encode(body(input), step: name)
        }
    }
}

/// A registered function as a worker calls it: encoded input to encoded output.
public struct RemoteHandler: Sendable {
    public let call: @Sendable (ArraySlice<UInt8>) throws -> [UInt8]

    public init(_ call: @escaping @Sendable (ArraySlice<UInt8>) throws -> [UInt8]) {
        self.call = call
    }
}

/// The functions this process can run for others, by name. Registering a name again replaces
/// its function.
///
/// ```swift
/// RemoteFunctions.register(RemoteFunction("echo") { (text: String) in text })
/// ```
public enum RemoteFunctions {
    private static let table = Mutex<[String: RemoteHandler]>([:])

    public static func register<Input, Output>(_ function: RemoteFunction<Input, Output>) {
        register(function.name, function.handler)
    }

    /// Registers an untyped handler (what an isolated pipeline step registers).
    public static func register(_ name: String, _ handler: RemoteHandler) {
        table.withLock { $0[name] = handler }
    }

    static func handler(named name: String) -> RemoteHandler? {
        table.withLock { $0[name] }
    }

    /// The registered names, sorted.
    public static var names: [String] {
        table.withLock { $0.keys.sorted() }
    }
}
