import ArgumentParser
import Stream

/// `stream-job pipelines [name]`: what can be run, one line each; or one pipeline's settings.
struct PipelinesCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "pipelines",
            abstract: "List the pipelines this binary can run, or one pipeline's settings.",
            discussion: """
                Examples:
                  \(Registry.current.commandName) pipelines
                  \(Registry.current.commandName) pipelines \(Registry.current.example)     # its settings: name, type, default, what it does
                """
        )
    }

    @Argument(help: "A pipeline whose settings to list.")
    var pipeline: String?

    func run() throws {
        guard let pipeline else {
            let pipelines = Registry.current.pipelines
            let width = pipelines.map(\.name.count).max() ?? 0
            for pipeline in pipelines {
                print(pipeline.name + String(repeating: " ", count: width - pipeline.name.count + 2) + pipeline.summary)
            }
            return
        }
        print(Self.settingsText(try Registry.pipeline(named: pipeline)))
    }

    /// A pipeline's summary and its settings, one a line: `--set name=<type>  (default …)  help`.
    static func settingsText(_ pipeline: Pipeline) -> String {
        var lines = ["\(pipeline.name): \(pipeline.summary)"]
        guard !pipeline.settings.isEmpty else { return (lines + ["no settings"]).joined(separator: "\n") }
        lines.append("settings (--set name=value, or the job file's settings:):")
        let columns = pipeline.settings.map { setting in
            ("  \(setting.name)=<\(setting.kind == .choice ? setting.choices.joined(separator: "|") : setting.kind.rawValue)>", setting.defaultValue.map { "default \($0)" } ?? "optional", setting.help)
        }
        let first = columns.map(\.0.count).max() ?? 0
        let second = columns.map(\.1.count).max() ?? 0
        for (name, fallback, help) in columns {
            lines.append(name.padding(toLength: first + 2, withPad: " ", startingAt: 0)
                         + fallback.padding(toLength: second + 2, withPad: " ", startingAt: 0) + help)
        }
        return lines.joined(separator: "\n")
    }
}
