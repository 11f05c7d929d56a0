import ArgumentParser

/// `stream-job pipelines`: what can be run, one line each.
struct PipelinesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipelines",
        abstract: "List the pipelines this binary can run, with a line on each."
    )

    func run() {
        let pipelines = Registry.current.pipelines
        let width = pipelines.map(\.name.count).max() ?? 0
        for pipeline in pipelines {
            print(pipeline.name + String(repeating: " ", count: width - pipeline.name.count + 2) + pipeline.summary)
        }
    }
}
