import Connectors
import Foundation
import Stream

/// Checks W1 output against a straightforward computation from the generator, window by
/// window as the output file is read (so the check holds a few windows in memory, not all).
struct W1Check: CustomStringConvertible {
    var rows = 0
    var windows = 0
    var counted = 0
    var problems: [String] = []

    var passed: Bool { problems.isEmpty }
    var description: String {
        passed ? "\(Figure.format(Double(rows))) rows in \(windows) windows match the reference computation"
            : "FAILED: " + problems.prefix(5).joined(separator: "; ")
    }

    static func verify(output: String, late: String, count: Int, seed: UInt64) throws -> W1Check {
        var check = W1Check()
        var generator = W1Generator(seed: seed)
        var reference: [Int64: [String: (count: Int, sum: Int64)]] = [:]
        /// Events before this index are in `reference`.
        func complete(through windowEnd: Int64) {
            while generator.index < count {
                let lowest = W1Generator.base + generator.index * 1000 / W1Generator.eventsPerSecond - Int64(W1Generator.maxJitter)
                if lowest >= windowEnd { break }
                let event = generator.next()
                let start = event.timestamp - ((event.timestamp % 1000) + 1000) % 1000
                reference[start, default: [:]][event.key, default: (0, 0)].count += 1
                reference[start, default: [:]][event.key, default: (0, 0)].sum += event.value
            }
        }
        let text = try String(contentsOfFile: output, encoding: .utf8)
        var current: Int64?
        var rowsOfWindow: [String: (count: Int, sum: Int64)] = [:]
        func finishWindow() {
            guard let start = current else { return }
            complete(through: start + 1000)
            let expected = reference.removeValue(forKey: start) ?? [:]
            if expected.count != rowsOfWindow.count || expected.contains(where: { rowsOfWindow[$0.key].map { ($0.count, $0.sum) } ?? (-1, -1) != ($0.value.count, $0.value.sum) }) {
                check.problems.append("window \(start) differs from the reference")
            }
            check.windows += 1
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: ",")
            guard fields.count == 4, let start = Int64(fields[0]), let rowCount = Int(fields[2]), let sum = Int64(fields[3]) else {
                check.problems.append("malformed output line \(line)")
                continue
            }
            if start != current {
                if let current, start < current { check.problems.append("window \(start) came after window \(current)") }
                finishWindow()
                current = start
                rowsOfWindow = [:]
            }
            let key = String(fields[1])
            if rowsOfWindow[key] != nil { check.problems.append("window \(start) key \(key) came twice") }
            rowsOfWindow[key] = (rowCount, sum)
            check.rows += 1
            check.counted += rowCount
        }
        finishWindow()
        complete(through: .max)
        if !reference.isEmpty { check.problems.append("\(reference.count) windows of the reference are missing from the output") }
        if check.counted != count { check.problems.append("the output counts \(check.counted) events of \(count)") }
        let lateBytes = (try? FileManager.default.attributesOfItem(atPath: late)[.size] as? Int) ?? 0
        if lateBytes != 0 { check.problems.append("records were late although disorder stays within the watermark's bound") }
        return check
    }
}
