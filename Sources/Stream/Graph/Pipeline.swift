/// A named, described way to build a job from settings: what `stream-job run <name>` runs. It
/// declares its settings, so a setting it does not have (a typo) is refused, naming the
/// closest one, and `stream-job pipelines <name>` lists them.
///
/// ```swift
/// let clicks = Pipeline("clicks", "Clicks per user per minute, from CSV files",
///                       settings: [.string("input", default: "data/clicks.csv", help: "the clicks (CSV)")]) { settings in
///     let job = Job("clicks")
///     job.source("clicks", .csvFile(settings.string("input", default: "data/clicks.csv"), as: Click.self))
///         .eventTime(\.timestamp, watermark: .boundedOutOfOrderness(.seconds(5)))
///         .keyed(by: \.user).window("per-minute", .tumbling(.seconds(60))).aggregate(.count())
///         .results.sink("counts", .csvFile(settings.string("output", default: "out/counts.csv")))
///     return job
/// }
/// ```
public struct Pipeline: Sendable {
    public let name: String
    /// One line: what the pipeline does.
    public let summary: String
    /// The settings it reads; no other is accepted.
    public let settings: [PipelineSetting]
    public let build: @Sendable (PipelineSettings) throws -> Job

    public init(_ name: String, _ summary: String, settings: [PipelineSetting] = [],
                build: @escaping @Sendable (PipelineSettings) throws -> Job) {
        self.name = name
        self.summary = summary
        self.settings = settings
        self.build = build
    }

    /// Checks settings given for this pipeline: each must be one it declares, of its type.
    /// Throws a ``PipelineSettingError`` naming the closest declared setting for a typo.
    public func check(_ given: PipelineSettings) throws {
        let declared = Dictionary(settings.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for key in given.values.keys.sorted() {
            guard let setting = declared[key] else {
                let closest = settings.map(\.name).min { editDistance($0, key) < editDistance($1, key) }
                var message = "pipeline '\(name)' has no setting '\(key)'"
                if let closest, editDistance(closest, key) <= max(2, key.count / 3) { message += "; did you mean '\(closest)'?" }
                message += settings.isEmpty ? " (it has no settings)" : " (its settings: \(settings.map(\.name).joined(separator: ", ")))"
                throw PipelineSettingError(message: message)
            }
            try setting.check(given.values[key]!)
        }
    }
}

/// One setting a pipeline reads: its name, type, default and what it does.
///
/// ```swift
/// .int("window-ms", default: 1000, help: "window length")
/// ```
public struct PipelineSetting: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case string, integer, boolean, choice
    }

    public let name: String
    public let kind: Kind
    /// The default, as text; nil when the pipeline has none (the setting is optional).
    public let defaultValue: String?
    public let help: String
    /// For a ``Kind/choice``, the values it takes.
    public let choices: [String]

    public init(name: String, kind: Kind, defaultValue: String?, help: String, choices: [String] = []) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
        self.choices = choices
    }

    /// A setting that takes one of `choices` (anything else is refused, naming them).
    ///
    /// ```swift
    /// .choice("sink-mode", among: ["identity", "sole-writer", "transactional"], default: "identity", help: "how the sink is exactly once")
    /// ```
    public static func choice(_ name: String, among choices: [String], default value: String? = nil, help: String) -> PipelineSetting {
        PipelineSetting(name: name, kind: .choice, defaultValue: value, help: help, choices: choices)
    }

    public static func string(_ name: String, default value: String? = nil, help: String) -> PipelineSetting {
        PipelineSetting(name: name, kind: .string, defaultValue: value, help: help)
    }

    public static func int(_ name: String, default value: Int? = nil, help: String) -> PipelineSetting {
        PipelineSetting(name: name, kind: .integer, defaultValue: value.map(String.init), help: help)
    }

    public static func bool(_ name: String, default value: Bool? = nil, help: String) -> PipelineSetting {
        PipelineSetting(name: name, kind: .boolean, defaultValue: value.map(String.init), help: help)
    }

    /// Throws if `text` is not a value of this setting's type.
    func check(_ text: String) throws {
        switch kind {
        case .string: return
        case .choice:
            guard choices.contains(text) else {
                throw PipelineSettingError(message: "setting '\(name)' must be one of \(choices.joined(separator: ", ")), not '\(text)'")
            }
        case .integer:
            guard Int(text) != nil else { throw PipelineSettingError(message: "setting '\(name)' must be an integer, not '\(text)'") }
        case .boolean:
            guard PipelineSettings.boolean(text) != nil else {
                throw PipelineSettingError(message: "setting '\(name)' must be true or false, not '\(text)'")
            }
        }
    }
}

/// A pipeline setting that does not exist or does not parse: a usage error.
public struct PipelineSettingError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// How many single-character edits turn `a` into `b` (Levenshtein), to name the closest setting.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(1, a.count) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(1, b.count) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}

/// The pipeline's own settings (`--set key=value`, or the job file's `settings:`), read by its
/// builder. A value that does not parse is an error naming the key.
///
/// ```swift
/// let input = settings.string("input", default: "data/events.csv")
/// let delay = try settings.int("delay-ms", default: 2000)
/// ```
public struct PipelineSettings: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    public func string(_ key: String, default fallback: String) -> String {
        values[key] ?? fallback
    }

    public func int(_ key: String, default fallback: Int) throws -> Int {
        guard let text = values[key] else { return fallback }
        guard let value = Int(text) else {
            throw PipelineSettingError(message: "setting '\(key)' must be an integer, not '\(text)'")
        }
        return value
    }

    /// The value of a choice setting: one of `choices`, `fallback` when not given.
    public func choice(_ key: String, among choices: [String], default fallback: String) throws -> String {
        guard let text = values[key] else { return fallback }
        guard choices.contains(text) else {
            throw PipelineSettingError(message: "setting '\(key)' must be one of \(choices.joined(separator: ", ")), not '\(text)'")
        }
        return text
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = values[key] else { return fallback }
        guard let value = Self.boolean(text) else {
            throw PipelineSettingError(message: "setting '\(key)' must be true or false, not '\(text)'")
        }
        return value
    }

    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "1": true
        case "false", "no", "0": false
        default: nil
        }
    }
}
