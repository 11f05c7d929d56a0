/// Facts about this build of the engine.
public enum StreamEngine {
    /// The engine's version, as `stream-job version` prints it.
    public static let version = "0.1.0"
}
