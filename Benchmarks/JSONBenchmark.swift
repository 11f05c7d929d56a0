import Connectors
import Foundation
import Stream

/// JSON decoding alone, per record as the JSON sources decode: `JSONDecoder` against
/// `JSONRecordDecoder` on the same click records (`{"time":…,"user":…,"page":…}`), each run
/// checked to give the same values.
///
/// ```swift
/// try JSONBenchmark(records: 1_000_000).run { print($0) }
/// ```
public struct JSONBenchmark: Sendable {
    public var records: Int
    public var runs: Int
    /// Whether to time `JSONDecoder` too (off only to profile the other alone).
    public var includesFoundation = true

    public init(records: Int, runs: Int = 3) {
        self.records = max(1, records)
        self.runs = max(1, runs)
    }

    struct Click: Codable, Equatable {
        var time: Int64
        var user: String
        var page: String
    }

    public func run(report: (String) -> Void) throws {
        let encoder = JSONEncoder()
        var random = SeededRandom(seed: 42)
        let clicks = (0..<records).map { index in
            Click(time: 1_700_000_000_000 + Int64(index), user: "user-\(random.next() % 300)", page: "/page/\(random.next() % 40)")
        }
        let payloads = try clicks.map { Array(try encoder.encode($0)) }
        var foundation: [Double] = []
        var own: [Double] = []
        for _ in 0..<runs {
            let decoder = JSONDecoder()
            var decoded: [Click] = []
            decoded.reserveCapacity(records)
            if includesFoundation {
                foundation.append(try timed { for bytes in payloads { decoded.append(try decoder.decode(Click.self, from: Data(bytes))) } })
                guard decoded == clicks else { throw StreamError(.invalidJob, step: "json", action: "check", message: "JSONDecoder decoded other values") }
            }
            let fast = JSONRecordDecoder()
            decoded.removeAll(keepingCapacity: true)
            own.append(try timed { for bytes in payloads { decoded.append(try fast.decode(Click.self, from: bytes)) } })
            guard decoded == clicks else { throw StreamError(.invalidJob, step: "json", action: "check", message: "JSONRecordDecoder decoded other values") }
        }
        let name = "\(Figure.format(Double(records))) click records"
        let after = Figure(name: "\(name), JSONRecordDecoder", unit: "records/s", samples: own.map { Double(records) / $0 })
        guard includesFoundation else { return report(after.line) }
        let before = Figure(name: "\(name), JSONDecoder", unit: "records/s", samples: foundation.map { Double(records) / $0 })
        report(before.line)
        report(after.line)
        report(Figure(name: "\(name), JSONRecordDecoder ÷ JSONDecoder", unit: "×", samples: [after.median / before.median]).line)
    }

    func timed(_ body: () throws -> Void) throws -> Double {
        let start = monotonicNanos()
        try body()
        return Double(monotonicNanos() - start) / 1e9
    }
}
