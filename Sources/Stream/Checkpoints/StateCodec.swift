/// How step state is turned into checkpoint bytes and back: ``BinaryStateEncoder``'s compact
/// format, behind one format byte so the format can change without breaking old checkpoints.
///
/// ```swift
/// let bytes = try StateCodec.encode(state, step: "dedupe")
/// let again = try StateCodec.decode(State.self, from: bytes, step: "dedupe")
/// ```
public enum StateCodec {
    /// The first byte of state written in the binary format.
    static let binaryFormat: UInt8 = 1

    public static func encode<State: Encodable>(_ state: State, step: String) throws -> [UInt8] {
        do {
            return try BinaryStateEncoder.encode(state, after: [binaryFormat])
        } catch {
            throw StreamError(.stateful, step: step, action: "checkpoint", message: "cannot encode the state: \(error)")
        }
    }

    public static func decode<State: Decodable>(_ type: State.Type, from bytes: [UInt8], step: String) throws -> State {
        guard bytes.first == binaryFormat else {
            throw StreamError(.stateful, step: step, action: "restore",
                              message: "the state is in format \(bytes.first.map(String.init) ?? "(empty)"), this build reads format \(binaryFormat)")
        }
        do {
            return try BinaryStateDecoder.decode(type, from: bytes, prefixLength: 1)
        } catch {
            throw StreamError(.stateful, step: step, action: "restore",
                              message: "the checkpointed state does not decode as \(State.self) (was the step's state type changed?): \(error)")
        }
    }
}
