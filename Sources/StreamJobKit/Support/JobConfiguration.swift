import Foundation
import Logging
import Stream
import Yams

/// A configuration problem: names the key, and the file and line (or the variable) it came from.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
}

/// Every setting of a run, gathered from the job file, then `STREAM_JOB_*` environment
/// variables, then flags — each overriding the one before. docs/CONFIGURATION.md lists them.
///
/// ```yaml
/// pipeline: w1-windows
/// workers: 2
/// checkpoint-dir: state
/// checkpoint-interval: 1s
/// settings:
///   input: data/w1.csv
/// ```
struct JobConfiguration {
    /// The settings a job file, flag or variable can give, by their job-file key.
    enum Key: String, CaseIterable {
        case pipeline
        case workers
        case checkpointDir = "checkpoint-dir"
        case checkpointInterval = "checkpoint-interval"
        case retain
        case restore
        case logLevel = "log-level"
        case metricsPort = "metrics-port"
        case metricsHost = "metrics-host"
        case uiPort = "ui-port"
        case uiHost = "ui-host"
        case quiet
        case workerProcesses = "worker-processes"
        case workerMemoryLimit = "worker-memory-limit"
        case workerTaskTimeout = "worker-task-timeout"
        case isolateAll = "isolate-all"
        case settings

        /// `STREAM_JOB_CHECKPOINT_DIR` and so on; pipeline settings are `STREAM_JOB_SETTING_<KEY>`.
        var environmentName: String { "STREAM_JOB_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_") }
    }

    var pipeline: String?
    var workers: Int?
    var checkpointDir: String?
    var checkpointInterval: Duration?
    var retain: Int?
    var restore: RestorePoint?
    var logLevel: Logger.Level?
    var metricsPort: Int?
    var metricsHost: String?
    var uiPort: Int?
    var uiHost: String?
    var quiet: Bool?
    var workerProcesses: Int?
    var workerMemoryLimit: Int?
    var workerTaskTimeout: Duration?
    var isolateAll: Bool?
    var settings: [String: String] = [:]
    /// Restore even if state for steps the pipeline no longer has would be dropped (a flag only).
    var allowNonRestoredState = false

    static let settingPrefix = "STREAM_JOB_SETTING_"

    /// Sets `key` from its text; `origin` says where it came from, for errors.
    mutating func set(_ key: Key, _ text: String, origin: String) throws {
        func bad(_ expected: String) -> ConfigurationError {
            ConfigurationError(description: "\(origin): '\(key.rawValue)' must be \(expected), not '\(text)'")
        }
        switch key {
        case .pipeline: pipeline = text
        case .workers:
            guard let value = Int(text), value > 0 else { throw bad("a whole number of workers, at least 1") }
            workers = value
        case .checkpointDir: checkpointDir = text
        case .checkpointInterval:
            guard let value = DurationText.parse(text), value > .zero else { throw bad("a duration above zero, such as 500ms, 1s or 2m") }
            checkpointInterval = value
        case .retain:
            guard let value = Int(text), value > 0 else { throw bad("a whole number of checkpoints, at least 1") }
            retain = value
        case .restore:
            guard let value = RestorePoint(text) else { throw bad("latest, latest-valid or chk-<n>") }
            restore = value
        case .logLevel:
            guard let value = Logger.Level(rawValue: text.lowercased()) else {
                throw bad("one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            logLevel = value
        case .metricsPort:
            guard let value = Int(text), (0...65535).contains(value) else { throw bad("a port number, 0…65535 (0: any free port)") }
            metricsPort = value
        case .metricsHost: metricsHost = text
        case .uiPort:
            guard let value = Int(text), (0...65535).contains(value) else { throw bad("a port number, 0…65535 (0: any free port)") }
            uiPort = value
        case .uiHost: uiHost = text
        case .quiet:
            guard let value = Self.boolean(text) else { throw bad("true or false") }
            quiet = value
        case .workerProcesses:
            guard let value = Int(text), value >= 0 else { throw bad("a whole number of worker processes (0: none, every step in the job's process)") }
            workerProcesses = value
        case .workerMemoryLimit:
            guard let value = Self.byteCount(text), value >= 64 << 20 else { throw bad("a size of at least 64MiB, such as 512MiB or 2GiB") }
            workerMemoryLimit = value
        case .workerTaskTimeout:
            guard let value = DurationText.parse(text), value > .zero else { throw bad("a duration above zero, such as 500ms, 5s or 1m") }
            workerTaskTimeout = value
        case .isolateAll:
            guard let value = Self.boolean(text) else { throw bad("true or false") }
            isolateAll = value
        case .settings:
            throw ConfigurationError(description: "\(origin): 'settings' is a mapping of the pipeline's settings (key: value)")
        }
    }

    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "1": true
        case "false", "no", "0": false
        default: nil
        }
    }

    /// `512MiB`, `2GiB`, `1048576` (bytes): a number and an optional KiB, MiB or GiB.
    static func byteCount(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            return Int(text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)).map { $0 * scale }
        }
        return Int(text)
    }

    /// Applies a YAML job file.
    mutating func apply(file path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(description: "\(path): cannot read the job file (\(error.localizedDescription))")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(description: "\(path): not valid YAML: \(error)")
        }
        guard let root else { return }
        guard let mapping = root.mapping else {
            throw ConfigurationError(description: "\(path):\(root.mark?.line ?? 1): a job file is a mapping of settings (key: value)")
        }
        for (keyNode, value) in mapping {
            let name = keyNode.string ?? ""
            let origin = "\(path):\(keyNode.mark?.line ?? 0)"
            guard let key = Key(rawValue: name) else {
                throw ConfigurationError(description: "\(origin): unknown key '\(name)'; the keys are \(Key.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if key == .settings {
                guard let pairs = value.mapping else {
                    throw ConfigurationError(description: "\(origin): 'settings' must be a mapping of the pipeline's settings (key: value)")
                }
                for (settingKey, settingValue) in pairs {
                    guard let settingName = settingKey.string, let scalar = settingValue.scalar else {
                        throw ConfigurationError(description: "\(path):\(settingKey.mark?.line ?? 0): a pipeline setting must be key: value")
                    }
                    settings[settingName] = scalar.string
                }
                continue
            }
            guard let scalar = value.scalar else {
                throw ConfigurationError(description: "\(origin): '\(name)' must be a single value, not a list or mapping")
            }
            try set(key, scalar.string, origin: origin)
        }
    }

    /// Applies `STREAM_JOB_*` variables; an unknown `STREAM_JOB_` name is an error (a typo would
    /// otherwise be silently ignored).
    mutating func apply(environment: [String: String]) throws {
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("STREAM_JOB_") {
            if name.hasPrefix(Self.settingPrefix) {
                let key = name.dropFirst(Self.settingPrefix.count).lowercased().replacingOccurrences(of: "_", with: "-")
                settings[key] = value
                continue
            }
            guard let key = Key.allCases.first(where: { $0.environmentName == name && $0 != .settings }) else {
                let known = Key.allCases.filter { $0 != .settings }.map(\.environmentName) + [Self.settingPrefix + "<KEY>"]
                throw ConfigurationError(description: "environment variable \(name) is not a setting; the settings are \(known.joined(separator: ", "))")
            }
            try set(key, value, origin: "environment variable \(name)")
        }
    }
}
