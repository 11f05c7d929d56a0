import ArgumentParser
import Stream

/// `stream-job graph <pipeline>`: the job's steps and edges, as text or Graphviz DOT.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a pipeline's steps and edges, as text or (--dot) as Graphviz DOT.",
        discussion: """
            Examples:
              stream-job graph w1-windows
              stream-job graph w1-windows --dot | dot -Tsvg > w1.svg
            """
    )

    @Argument(help: "The pipeline (see `pipelines`).")
    var pipeline: String

    @Option(name: .customLong("set"), help: ArgumentHelp("A pipeline setting, key=value (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Flag(help: "Print Graphviz DOT instead of text.")
    var dot = false

    func run() throws {
        let job = try JobOptions.building(pipeline, settings: settings, validating: false)
        print(dot ? JobGraphText.dot(job) : JobGraphText.text(job))
    }
}

/// `stream-job validate <pipeline>`: builds the job and reports every problem, without running it.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Build a pipeline and check it can run, listing every problem; exit 2 if any.",
        discussion: """
            Example:
              stream-job validate w1-windows --set window-ms=500
            """
    )

    @Argument(help: "The pipeline (see `pipelines`).")
    var pipeline: String

    @Option(name: .customLong("set"), help: ArgumentHelp("A pipeline setting, key=value (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    func run() throws {
        let job = try JobOptions.building(pipeline, settings: settings, validating: true)
        print("pipeline '\(pipeline)' (job '\(job.name)') is valid: \(job.steps.count) steps")
        for warning in job.warnings { print("warning: \(warning)") }
    }
}

/// A job's graph as text (one step a line, with its inputs) or as DOT.
enum JobGraphText {
    static func label(_ step: JobGraph.Step) -> String {
        step.description
    }

    static func text(_ job: Job) -> String {
        let steps = job.steps
        var lines = ["job '\(job.name)': \(steps.count) steps"]
        for step in steps {
            let inputs = step.inputs.map { "#\($0)" }.joined(separator: ", ")
            lines.append("#\(step.id) \(label(step))" + (inputs.isEmpty ? "" : " <- \(inputs)"))
        }
        return lines.joined(separator: "\n")
    }

    static func dot(_ job: Job) -> String {
        var lines = ["digraph \"\(job.name)\" {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
        for step in job.steps {
            let text = step.name.map { "\(step.kind)\\n\($0)" } ?? "\(step.kind)"
            let shape = step.kind == .source || step.kind == .sink ? ", shape=ellipse" : ""
            lines.append("  s\(step.id) [label=\"\(text.replacingOccurrences(of: "\"", with: "\\\""))\"\(shape)];")
        }
        for step in job.steps { for input in step.inputs { lines.append("  s\(input) -> s\(step.id);") } }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
