/// How a remote task is run: retries for errors it throws, retries when it kills its worker,
/// and its time limit.
///
/// ```swift
/// runtime.submitRemote(parse, line, options: RemoteTaskOptions(timeout: .seconds(5)))
/// ```
public struct RemoteTaskOptions: Sendable {
    /// How many times an error the function throws is retried.
    public var maxRetries: Int
    /// How many times the task is run again on a fresh worker after it killed one (Ray's
    /// default is 3): a worker killed from outside costs nothing, a poison input fails the task
    /// with ``RemoteTaskError/workerDied(function:_:)`` after this many more tries.
    public var retriesOnWorkerDeath: Int
    /// How long one run may take before its worker is killed; nil takes the pool's.
    public var timeout: Duration?

    public init(maxRetries: Int = 0, retriesOnWorkerDeath: Int = 3, timeout: Duration? = nil) {
        self.maxRetries = maxRetries
        self.retriesOnWorkerDeath = retriesOnWorkerDeath
        self.timeout = timeout
    }

    public static let `default` = RemoteTaskOptions()
}
