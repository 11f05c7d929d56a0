/// How a step puts records it holds into a checkpoint (a union's records waiting for its other
/// inputs, say). Records that are `Codable` have one: ``codable``.
///
/// ```swift
/// let codec = RecordCodec<Order>.codable
/// let bytes = try codec.encode(orders, "orders")
/// ```
public struct RecordCodec<Value: Sendable>: Sendable {
    /// Encodes records for the step named by the second argument.
    public let encode: @Sendable ([Value], String) throws -> [UInt8]
    /// Decodes what `encode` gave, for the step named by the second argument.
    public let decode: @Sendable ([UInt8], String) throws -> [Value]

    public init(encode: @escaping @Sendable ([Value], String) throws -> [UInt8],
                decode: @escaping @Sendable ([UInt8], String) throws -> [Value]) {
        self.encode = encode
        self.decode = decode
    }
}

extension RecordCodec where Value: Codable {
    /// Records encoded with the engine's state codec.
    public static var codable: RecordCodec {
        RecordCodec(encode: { try StateCodec.encode($0, step: $1) }, decode: { try StateCodec.decode([Value].self, from: $0, step: $1) })
    }
}
