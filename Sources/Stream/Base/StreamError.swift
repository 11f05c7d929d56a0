/// An error with the context to act on it: which step, where in the source, which record.
///
/// ```text
/// decode of step 'events' at data/w1.csv:1043: expected an integer in field 3, found "12x"
///   record: 1700000000123,k00042,12x
/// ```
public struct StreamError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidJob, badRecord, userFunction, io, stateful
    }

    /// What the error is about: a step of the job, or the job as a whole (its restore, its validation).
    public enum Subject: String, Sendable {
        case step, job
    }

    public var code: Code
    /// The step's id (or kind, for steps without one); the job's name when ``subject`` is `.job`.
    public var step: String
    public var subject: Subject
    /// What the step was doing: "decode", "map", "write", …
    public var action: String
    /// Where in the source: "file:line", "topic[partition]@offset", …
    public var position: String?
    /// The record, as read (truncated when long).
    public var record: String?
    public var message: String
    /// Whether trying again can help.
    public var isRetryable: Bool

    public init(_ code: Code, step: String, action: String, position: String? = nil, record: String? = nil,
                message: String, isRetryable: Bool = false) {
        self.init(code, subject: .step, name: step, action: action, position: position, record: record, message: message,
                  isRetryable: isRetryable)
    }

    /// An error of the job as a whole (restoring it, validating it), named by the job's name.
    public init(_ code: Code, job: String, action: String, message: String) {
        self.init(code, subject: .job, name: job, action: action, message: message)
    }

    init(_ code: Code, subject: Subject, name: String, action: String, position: String? = nil, record: String? = nil,
         message: String, isRetryable: Bool = false) {
        self.code = code
        self.subject = subject
        self.step = name
        self.action = action
        self.position = position
        self.record = record.map { $0.count > 500 ? String($0.prefix(500)) + "…" : $0 }
        self.message = message
        self.isRetryable = isRetryable
    }

    public var description: String {
        var text = "\(action) of \(subject.rawValue) '\(step)'"
        if let position { text += " at \(position)" }
        text += ": \(message)"
        if let record { text += "\n  record: \(record)" }
        return text
    }
}
