/// What a checkpoint holds, written last and verified first: the job, where each source was,
/// the watermark, and each stateful step's state file with its size and checksum.
///
/// ```json
/// {"formatVersion":1,"job":"w1","id":7,"createdAt":1700000000000,"watermark":1699999998000,
///  "sources":{"events":"data/w1.csv@4194304"},
///  "states":[{"step":"per-second","file":"per-second.state","bytes":1234,"crc32c":305419896}]}
/// ```
public struct CheckpointManifest: Codable, Sendable, Equatable {
    public struct StateFile: Codable, Sendable, Equatable {
        /// The step id the state belongs to.
        public var step: String
        public var file: String
        public var bytes: Int
        public var crc32c: UInt32
    }

    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var job: String
    /// The checkpoint's number: `chk-<id>`.
    public var id: Int
    /// When it was taken, in milliseconds since the epoch.
    public var createdAt: Int64
    /// The job's watermark when it was taken.
    public var watermark: Int64
    /// Each source step's position, in the source's own notation.
    public var sources: [String: String]
    public var states: [StateFile]
    /// Whether a commit of this checkpoint cannot be run again after a crash (a Kafka
    /// transaction): then it is restorable only once a `COMMITTED` file beside it says its
    /// commits completed. Absent in older manifests: false.
    public var awaitsCommitted: Bool?
    /// Each stateful step's signature (state type and the settings that shape it), for checking
    /// a restore against a changed pipeline. Absent in older manifests.
    public var steps: [String: StateSignature]?
    /// The pipeline's settings when the checkpoint was taken (a run from `stream-job`). Absent
    /// in older manifests and for jobs run from code.
    public var settings: [String: String]?
}

/// Why a checkpoint cannot be used.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case corrupt(file: String, reason: String)
    case unsupportedFormat(file: String, version: Int)
    case io(path: String, reason: String)
    /// Its commits (which cannot be run again) did not all complete before the job stopped.
    case uncommitted(String)

    public var description: String {
        switch self {
        case .notFound(let what): "no checkpoint \(what)"
        case .corrupt(let file, let reason): "checkpoint file \(file) is corrupt: \(reason)"
        case .unsupportedFormat(let file, let version):
            "checkpoint \(file) has format version \(version); this build reads version \(CheckpointManifest.currentFormatVersion)"
        case .io(let path, let reason): "cannot access \(path): \(reason)"
        case .uncommitted(let what):
            "checkpoint \(what) cannot be restored: the job stopped before its commits completed, and a sink's commit cannot be run again (restore the checkpoint before it)"
        }
    }
}
