import Connectors
import Foundation
import Operators
import StreamTesting
import Testing

/// Dead letters are output like any other: a fresh run starts the file afresh, a restore
/// neither loses nor repeats a line, and a replay writes them into its own directory.
@Suite struct DeadLetterTests {
    static func job(_ directory: String, stopAt: Int64? = nil, control: RunControl = RunControl()) -> Job {
        let job = Job("dead-letters")
        job.source("people", .csvFile("\(directory)/in.csv", as: Person.self, onBadRecord: .deadLetter(path: "\(directory)/out/bad.jsonl"),
                                      chunkBytes: 64))
            .map { person in
                if person.id == stopAt { control.stop() }
                return person
            }
            .sink("good", .csvFile("\(directory)/out/good.csv"))
        return job
    }

    static func input(_ directory: String) throws {
        var text = ""
        for index in 1...60 { text += index % 7 == 0 ? "bad line \(index)\n" : "\(index),p\(index),1.5\n" }
        try text.write(toFile: "\(directory)/in.csv", atomically: true, encoding: .utf8)
    }

    static func bad(_ directory: String) throws -> [Int] {
        try String(contentsOfFile: "\(directory)/out/bad.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(DeadLetter.self, from: Data($0.utf8)).line }
    }

    @Test func aFreshRunStartsTheFileAfreshAndRestoresNeitherLoseNorRepeat() async throws {
        let directory = try scratchDirectory()
        try Self.input(directory)
        let expected = [7, 14, 21, 28, 35, 42, 49, 56]
        for _ in 0..<2 {
            try await Self.job(directory).run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: "\(directory)/state"))
            #expect(try Self.bad(directory) == expected, "a second fresh run writes the file again, not after it")
        }
        try FileManager.default.removeItem(atPath: "\(directory)/state")
        for stop: Int64? in [10, 30, 45, nil] {
            let control = RunControl()
            let restore: RestorePoint? = stop == 10 ? nil : .latest
            try await Self.job(directory, stopAt: stop, control: control)
                .run(on: Runtime(workers: 2), options: RunOptions(checkpointDirectory: "\(directory)/state", checkpointInterval: .seconds(3600),
                                                                   restore: restore, control: control))
        }
        #expect(try Self.bad(directory) == expected, "stopped three times and restored")
    }

    @Test func aReplayWritesDeadLettersIntoItsOwnDirectory() async throws {
        let directory = try scratchDirectory()
        try Self.input(directory)
        // One checkpoint, the final one, however slowly a loaded machine runs the job.
        try await Self.job(directory).run(on: Runtime(workers: 1), options: RunOptions(checkpointDirectory: "\(directory)/state",
                                                                                     checkpointInterval: .seconds(3600)))
        let original = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/out/bad.jsonl"))
        try await Self.job(directory).run(on: Runtime(workers: 1), options: RunOptions(
            checkpointDirectory: "\(directory)/state", restore: .checkpoint(1), replayOutputDirectory: "\(directory)/replay"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/out/bad.jsonl")) == original, "the job's own file is left alone")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/replay/bad.jsonl")) == original)
    }
}
