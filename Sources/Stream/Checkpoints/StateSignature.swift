/// What a stateful step's checkpointed state depends on, recorded in every checkpoint so a
/// restore with a changed pipeline is checked, not silently mixed: the state's type (`schema`,
/// the fully qualified Swift type, generic arguments included) and the step's settings that
/// shape the state (`configuration`: a window's spec and allowed lateness).
///
/// ```swift
/// StateSignature(schema: "window of Swift.String → Swift.Int", configuration: "tumbling(1000 ms), allowed lateness 0 ms")
/// ```
public struct StateSignature: Codable, Sendable, Hashable {
    public var schema: String
    public var configuration: String
    /// Older schemas whose state this step can restore, converting it (see ``MigratableState``).
    public var accepts: [String]?

    public init(schema: String, configuration: String = "", accepts: [String]? = nil) {
        self.schema = schema
        self.configuration = configuration
        self.accepts = accepts
    }

    /// The signature of state of type `State` with `configuration`.
    public static func of<State>(_ type: State.Type, configuration: String = "") -> StateSignature {
        StateSignature(schema: String(reflecting: type), configuration: configuration)
    }
}

/// What a checkpoint records of the pipeline that wrote it, beside its state: each stateful
/// step's ``StateSignature`` and the pipeline's settings.
public struct CheckpointIdentity: Sendable, Equatable {
    public var steps: [String: StateSignature]
    public var settings: [String: String]?

    public init(steps: [String: StateSignature] = [:], settings: [String: String]? = nil) {
        self.steps = steps
        self.settings = settings
    }
}
