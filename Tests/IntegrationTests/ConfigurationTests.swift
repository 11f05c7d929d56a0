import Foundation
import Stream
import Testing
@testable import StreamJobKit

/// The job file, flags and STREAM_JOB_* variables: precedence, and errors that name the key
/// and where it came from.
@Suite struct ConfigurationTests {
    func jobFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "job-\(UUID().uuidString.prefix(8)).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func fileThenEnvironmentThenFlags() throws {
        let file = try jobFile("""
            pipeline: w1-windows
            workers: 1
            checkpoint-dir: from-file
            checkpoint-interval: 5s
            log-level: debug
            settings:
              input: file.csv
              window-ms: 500
            """)
        let options = try JobOptions.parse(["--config", file, "--workers", "2", "--set", "input=flag.csv", "--checkpoint-dir", "from-flag"])
        let flagsOnly = try options.resolve(pipeline: nil, restore: nil, environment: [:])
        #expect(flagsOnly.pipeline == "w1-windows")
        #expect(flagsOnly.workers == 2)
        #expect(flagsOnly.checkpointDir == "from-flag")
        #expect(flagsOnly.checkpointInterval == .seconds(5))
        #expect(flagsOnly.logLevel == .debug)
        #expect(flagsOnly.settings == ["input": "flag.csv", "window-ms": "500"])

        let environment = ["STREAM_JOB_WORKERS": "4", "STREAM_JOB_SETTING_INPUT": "env.csv", "STREAM_JOB_SETTING_WINDOW_MS": "250",
                           "STREAM_JOB_RESTORE": "chk-3", "PATH": "/bin"]
        let everything = try options.resolve(pipeline: "other", restore: "latest", environment: environment)
        #expect(everything.pipeline == "other")
        #expect(everything.workers == 2, "a flag, given for this run, wins over the environment")
        #expect(everything.restore == .latest)
        #expect(everything.settings == ["input": "flag.csv", "window-ms": "250"], "the environment wins over the file")
        #expect(try everything.runOptions().checkpointInterval == .seconds(5))
        let environmentOnly = try JobOptions.parse(["--config", file]).resolve(pipeline: nil, restore: nil, environment: environment)
        #expect(environmentOnly.workers == 4 && environmentOnly.restore == .checkpoint(3))
    }

    @Test func errorsNameTheKeyAndWhereItCameFrom() throws {
        func message(_ file: String, flags: [String] = [], environment: [String: String] = [:]) throws -> String {
            let options = try JobOptions.parse(["--config", try jobFile(file)] + flags)
            do {
                _ = try options.resolve(pipeline: nil, restore: nil, environment: environment)
                return "no error"
            } catch let error as ConfigurationError {
                return error.description
            }
        }
        #expect(try message("pipeline: x\nworkerz: 2\n").contains(".yaml:2: unknown key 'workerz'; the keys are pipeline, workers"))
        #expect(try message("pipeline: x\n\ncheckpoint-interval: soon\n").contains(".yaml:3: 'checkpoint-interval' must be a duration above zero, such as 500ms, 1s or 2m, not 'soon'"))
        #expect(try message("pipeline: x\n", flags: ["--checkpoint-interval", "0s"]).contains("'checkpoint-interval' must be a duration above zero"))
        #expect(try message("workers: [1, 2]\n").contains(".yaml:1: 'workers' must be a single value"))
        #expect(try message("settings: 3\n").contains(".yaml:1: 'settings' must be a mapping"))
        #expect(try message("- a\n- b\n").contains("a job file is a mapping of settings"))
        #expect(try message("workers: 1\n", flags: ["--workers", "0"]) == "--workers: 'workers' must be a whole number of workers, at least 1, not '0'")
        #expect(try message("workers: 1\n", environment: ["STREAM_JOB_WORKRES": "2"]).contains("environment variable STREAM_JOB_WORKRES is not a setting"))
        #expect(try message("workers: 1\n", environment: ["STREAM_JOB_LOG_LEVEL": "loud"]).contains("environment variable STREAM_JOB_LOG_LEVEL: 'log-level' must be one of trace, debug"))
    }

    @Test func aTypoedSettingIsAUsageErrorNamingTheClosestOne() throws {
        let flag = try StreamJobBinary.run(["run", "w1-windows", "--set", "widnow-ms=500", "--set", "events=10"])
        #expect(flag.status == 2)
        #expect(flag.error.contains("pipeline 'w1-windows' has no setting 'widnow-ms'; did you mean 'window-ms'?"), "\(flag.error)")
        #expect(flag.error.contains("stream-job pipelines w1-windows"))
        let file = try StreamJobBinary.run(["run", "--config", try jobFile("pipeline: w1-windows\nsettings:\n  ouput: x.csv\n")])
        #expect(file.status == 2)
        #expect(file.error.contains("has no setting 'ouput'; did you mean 'output'?"), "\(file.error)")
        let badValue = try StreamJobBinary.run(["validate", "w1-windows", "--set", "window-ms=soon"])
        #expect(badValue.status == 2)
        #expect(badValue.error.contains("setting 'window-ms' must be an integer, not 'soon'"))
        #expect(!badValue.error.contains("error: error"))
        let listed = try StreamJobBinary.run(["pipelines", "w1-windows"])
        #expect(listed.status == 0)
        #expect(listed.output.contains("window-ms=<integer>"))
        #expect(listed.output.contains("default 1000"))
        #expect(listed.output.contains("window length"))
    }

    @Test func theConfigurationDocumentListsEveryKeyTheParserAccepts() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = try String(contentsOf: repository.appendingPathComponent("docs/CONFIGURATION.md"), encoding: .utf8)
        for key in JobConfiguration.Key.allCases {
            let row = key == .settings ? "`settings:`" : "| `\(key.rawValue)` |"
            #expect(document.contains(row), "docs/CONFIGURATION.md has no row for \(key.rawValue)")
            let variable = key == .settings ? JobConfiguration.settingPrefix : key.environmentName
            #expect(document.contains(variable), "docs/CONFIGURATION.md does not name \(variable)")
        }
    }

    @Test func anIntervalWithoutACheckpointDirectoryIsAUsageError() throws {
        let outcome = try StreamJobBinary.run(["run", "w1-windows", "--set", "events=10", "--checkpoint-interval", "1s"])
        #expect(outcome.status == 2)
        #expect(outcome.error.contains("a checkpoint interval needs a checkpoint directory"))
    }

    @Test func validateAndGraphReadTheJobFileAsRunDoes() throws {
        let file = try jobFile("pipeline: w1-windows\nsettings:\n  window-ms: 500\n")
        let validate = try StreamJobBinary.run(["validate", "--config", file])
        #expect(validate.status == 0, "\(validate.error)")
        #expect(validate.output.contains("pipeline 'w1-windows' (job 'w1-windows') is valid"))
        let graph = try StreamJobBinary.run(["graph", "--config", file])
        #expect(graph.status == 0 && graph.output.contains("window 'per-window'"))
    }

    @Test func anOwnBinarysHelpNamesItsOwnPipelines() throws {
        let help = try StreamJobBinary.run(["run", "--help"], executable: "ClickJobs")
        #expect(help.output.contains("ClickJobs run clicks-per-minute"))
        #expect(!help.output.contains("w1-windows"))
    }

    @Test func theBinaryExitsWithTwoNamingTheFileAndLine() throws {
        let file = try jobFile("pipeline: w1-windows\nretain: none\n")
        let outcome = try StreamJobBinary.run(["run", "--config", file])
        #expect(outcome.status == 2)
        #expect(outcome.error.contains("\(file):2: 'retain' must be a whole number of checkpoints, at least 1, not 'none'"))
        let missing = try StreamJobBinary.run(["run", "--config", try jobFile("workers: 1\n")])
        #expect(missing.status == 2)
        #expect(missing.error.contains("no pipeline given"))
    }
}

@Suite struct StatusLineTests {
    @Test func theStatusLineShowsRatesLagWindowsCheckpointAndBackPressure() {
        let progress = RunProgress()
        let start = ContinuousClock.now
        let before = StatusReporter.Snapshot(progress, at: start)
        var after = before
        after.at = start + .seconds(2)
        after.recordsIn = 3_000_000
        after.recordsOut = 4_000
        after.waited = .milliseconds(500)
        let line = StatusReporter.line(job: "w1", progress: progress, from: before, to: after)
        #expect(line == "w1 | in 1.5M/s (3.0M) | out 2.0k/s (4.0k) | open windows 0 | back-pressure 25%")
    }
}
