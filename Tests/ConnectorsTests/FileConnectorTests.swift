import Connectors
import Foundation
import Operators
import StreamTesting
import Testing

/// A fresh directory for one test.
func scratchDirectory(_ name: String = #function) throws -> String {
    let path = NSTemporaryDirectory() + "stream-tests/\(name.filter(\.isLetter))-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

struct Person: CSVDecodable, CSVEncodable, Codable, Hashable {
    var id: Int64
    var name: String
    var score: Double

    init(id: Int64, name: String, score: Double) {
        self.id = id
        self.name = name
        self.score = score
    }

    init(csv row: CSVRow) throws {
        id = try row.int64(0)
        name = try row.string(1)
        score = try row.double(2)
    }

    func encode(csv line: inout CSVLine) {
        line.append(id)
        line.append(name)
        line.append(score)
    }
}

@Suite struct FileConnectorTests {
    static let people = [
        Person(id: 1, name: "Ada", score: 9.5),
        Person(id: 2, name: "Lovelace, Countess", score: -1),
        Person(id: 3, name: "say \"hi\"", score: 0.25),
    ]

    @Test func csvRoundTripKeepsQuotedFieldsAndOrder() async throws {
        let directory = try scratchDirectory()
        let first = Job("write")
        first.source("people", .records(Self.people)).sink("out", .csvFile("\(directory)/people.csv"))
        try await first.run(on: Runtime(workers: 2))
        let text = try String(contentsOfFile: "\(directory)/people.csv", encoding: .utf8)
        #expect(text == "1,Ada,9.5\n2,\"Lovelace, Countess\",-1.0\n3,\"say \"\"hi\"\"\",0.25\n")

        let second = Job("read")
        let collected = TestSink<Person>()
        second.source("people", .csvFile("\(directory)/people.csv", as: Person.self)).sink("in", collected.sink)
        try await second.run(on: Runtime(workers: 2))
        #expect(collected.values == Self.people)
    }

    @Test func jsonLinesRoundTrip() async throws {
        let directory = try scratchDirectory()
        let write = Job("write")
        write.source("people", .records(Self.people)).sink("out", .jsonLinesFile("\(directory)/people.jsonl"))
        try await write.run(on: Runtime(workers: 1))
        let read = Job("read")
        let collected = TestSink<Person>()
        read.source("people", .jsonLinesFile("\(directory)/people.jsonl", as: Person.self)).sink("in", collected.sink)
        try await read.run(on: Runtime(workers: 1))
        #expect(collected.values == Self.people)
    }

    @Test func globsAreReadInNameOrderAcrossChunks() async throws {
        let directory = try scratchDirectory()
        // Enough lines that each file spans several 1 MiB chunks.
        for part in 0..<3 {
            let lines = (0..<60_000).map { "\(part * 60_000 + $0),n\($0),1.5" }.joined(separator: "\n")
            try lines.write(toFile: "\(directory)/part-\(part).csv", atomically: true, encoding: .utf8)
        }
        try "ignored".write(toFile: "\(directory)/notes.txt", atomically: true, encoding: .utf8)
        for path in ["\(directory)/part-*.csv"] {  // notes.txt does not match
            let job = Job("read")
            let ids = TestSink<Int64>()
            job.source("people", .csvFile(path, as: Person.self)).map(\.id).sink("ids", ids.sink)
            let summary = try await job.run(on: Runtime(workers: 2))
            #expect(ids.values == Array(0..<180_000))
            #expect(summary.recordsRead == 180_000)
        }
    }

    @Test func malformedLineStopsTheJobNamingStepFileLineAndRecord() async throws {
        let directory = try scratchDirectory()
        try "1,a,1\n2,b,2\n\n3,c,x3\n4,d,4\n".write(toFile: "\(directory)/bad.csv", atomically: true, encoding: .utf8)
        let job = Job("strict")
        job.source("people", .csvFile("\(directory)/bad.csv", as: Person.self)).sink("out", TestSink<Person>().sink)
        do {
            try await job.run(on: Runtime(workers: 1))
            Issue.record("a malformed line was accepted")
        } catch let error as StreamError {
            #expect(error.code == .badRecord)
            #expect(error.step == "people")
            #expect(error.position == "\(directory)/bad.csv:4", "blank lines count as lines")
            #expect(error.record == "3,c,x3")
            #expect(error.description.contains("expected a number in field 3, found \"x3\""))
        }
    }

    @Test func deadLetterKeepsBadLinesWithTheirPositionAndTheJobGoesOn() async throws {
        let directory = try scratchDirectory()
        try "1,a,1\nnot a record\n2,b,2\n\"open,quote,3\n".write(toFile: "\(directory)/mixed.csv", atomically: true, encoding: .utf8)
        let job = Job("lenient")
        let good = TestSink<Person>()
        job.source("people", .csvFile("\(directory)/mixed.csv", as: Person.self, onBadRecord: .deadLetter(path: "\(directory)/dead.jsonl")))
            .sink("out", good.sink)
        let summary = try await job.run(on: Runtime(workers: 1))
        #expect(good.values.map(\.id) == [1, 2])
        #expect(summary.deadLetters == 2)
        let lines = try String(contentsOfFile: "\(directory)/dead.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONDecoder().decode(DeadLetter.self, from: Data(lines[0].utf8))
        #expect(first.line == 2, "the line is a number")
        #expect(first.record == "not a record")
        #expect(first.step == "people")
        #expect(first.reason.contains("integer in field 1"))
        let second = try JSONDecoder().decode(DeadLetter.self, from: Data(lines[1].utf8))
        #expect(second.line == 4)
        #expect(second.reason == "a quoted field is not closed")
    }

    @Test func missingInputIsAnErrorNamingThePath() async throws {
        let job = Job("missing")
        job.source("people", .csvFile("/nonexistent/people.csv", as: Person.self)).sink("out", TestSink<Person>().sink)
        await #expect(throws: StreamError.self) { try await job.run(on: Runtime(workers: 1)) }
    }

    @Test func w1GeneratorFollowsTheBenchmarkDefinition() {
        var generator = W1Generator(seed: 42)
        var keys = Set<String>()
        for index in 0..<200_000 {
            let event = generator.next()
            let base = W1Generator.base + Int64(index) * 1000 / 100_000
            #expect(event.timestamp <= base && event.timestamp >= base - 2000)
            #expect((1...1000).contains(event.value))
            #expect(event.key.count == 6 && event.key.hasPrefix("k"))
            keys.insert(event.key)
        }
        #expect(keys.count == 10_000)
        var again = W1Generator(seed: 42)
        var other = W1Generator(seed: 42)
        #expect(again.next() == other.next(), "deterministic from the seed")
    }
}

@Suite struct SharedFileTests {
    @Test func twoStepsWritingOneFileAreRefusedNamingBoth() async throws {
        let directory = try scratchDirectory()
        let job = Job("shared")
        let people = job.source("people", .csvFile("\(directory)/in.csv", as: Person.self,
                                                   onBadRecord: .deadLetter(path: "\(directory)/out/../out/all.csv")))
        people.sink("first", .csvFile("\(directory)/out/all.csv"))
        people.map { $0 }.sink("second", .csvFile("\(directory)//out/./all.csv"))
        people.sink("third", .csvFile("\(directory)/out/other.csv"))
        let error = try #require(throws: StreamError.self) { try job.validate() }
        #expect(error.message.contains("source 'people' and sink 'first' and sink 'second' both write \(directory)/out/all.csv"))
        #expect(!error.message.contains("other.csv"))
    }
}

/// A dead-letter line of a file source.
struct DeadLetter: Decodable, Hashable {
    var step: String
    var file: String
    var line: Int
    var reason: String
    var record: String
}
