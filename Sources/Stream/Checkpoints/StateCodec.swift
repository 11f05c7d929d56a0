public import Foundation

/// How step state is turned into checkpoint bytes and back.
///
/// ```swift
/// let bytes = try StateCodec.encode(state, step: "dedupe")
/// let again = try StateCodec.decode(State.self, from: bytes, step: "dedupe")
/// ```
public enum StateCodec {
    public static func encode<State: Encodable>(_ state: State, step: String) throws -> [UInt8] {
        do {
            return [UInt8](try JSONEncoder().encode(state))
        } catch {
            throw StreamError(.stateful, step: step, action: "checkpoint", message: "cannot encode the state: \(error)")
        }
    }

    public static func decode<State: Decodable>(_ type: State.Type, from bytes: [UInt8], step: String) throws -> State {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw StreamError(.stateful, step: step, action: "restore",
                              message: "the checkpointed state does not decode as \(State.self) (was the step's state type changed?): \(error)")
        }
    }
}
