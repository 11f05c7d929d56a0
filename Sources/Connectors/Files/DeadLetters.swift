import Foundation
public import Stream

extension Sink where Value == [UInt8] {
    /// A dead-letter file: one JSON line per bad record, written through the engine like any
    /// file sink — truncated by a fresh run, staged and committed with checkpoints, cut back on
    /// restore, written into the replay directory by a replay.
    ///
    /// ```swift
    /// .csvFile("in.csv", as: Click.self, onBadRecord: .deadLetter(path: "out/bad-clicks.jsonl"))
    /// ```
    public static func deadLetterFile(_ path: String) -> Sink<[UInt8]> {
        Sink("dead-letter file \(path)", writesFile: FileList.absolute(path)) { context in
            try FileSinkWriter<[UInt8]>(path: path, context: context) { batch, bytes in
                for line in batch.values {
                    bytes.append(contentsOf: line)
                    bytes.append(10)
                }
            }
        }
    }
}

/// How a bad record is written as a dead-letter line: a JSON object with the step, where the
/// record was, why it was refused and the record itself.
enum DeadLetterLine {
    /// A line of a file: `{"file":…,"line":12,"reason":…,"record":…,"step":…}`.
    static func fileLine(step: String, file: String, line: Int, record: String, reason: String) throws -> [UInt8] {
        let entry: [String: Any] = ["step": step, "file": file, "line": line, "reason": reason, "record": record]
        return Array(try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]))
    }

    /// A record of a source with positions of its own (`topic[partition]@offset`), its bytes in base64.
    static func recordLine(step: String, position: String, bytes: [UInt8], reason: String) throws -> [UInt8] {
        let entry: [String: Any] = ["step": step, "position": position, "reason": reason, "record_base64": Data(bytes).base64EncodedString()]
        return Array(try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]))
    }
}
