import ArgumentParser
import Stream

/// `stream-job graph <pipeline>`: the job's steps and edges, as text or Graphviz DOT.
struct GraphCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        let (command, example) = (Registry.current.commandName, Registry.current.example)
        return CommandConfiguration(
            commandName: "graph",
            abstract: "Print a pipeline's steps and edges, as text or (--dot) as Graphviz DOT.",
            discussion: """
                Examples:
                  \(command) graph \(example)
                  \(command) graph \(example) --dot | dot -Tsvg > graph.svg
                  \(command) graph --config job.yaml
                """
        )
    }

    @Argument(help: "The pipeline (see `pipelines`); or 'pipeline:' in the job file.")
    var pipeline: String?

    @OptionGroup var job: JobOptions

    @Flag(help: "Print Graphviz DOT instead of text.")
    var dot = false

    func run() throws {
        let job = try job.resolve(pipeline: pipeline, restore: nil).job(validating: false)
        print(dot ? JobGraphText.dot(job) : JobGraphText.text(job))
    }
}

/// `stream-job validate <pipeline>`: builds the job and reports every problem, without running it.
struct ValidateCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "validate",
            abstract: "Build a pipeline and check it can run, listing every problem; exit 2 if any.",
            discussion: """
                Examples:
                  \(Registry.current.commandName) validate \(Registry.current.example) --set output=out/result.csv
                  \(Registry.current.commandName) validate --config job.yaml
                """
        )
    }

    @Argument(help: "The pipeline (see `pipelines`); or 'pipeline:' in the job file.")
    var pipeline: String?

    @OptionGroup var job: JobOptions

    func run() throws {
        let configuration = try job.resolve(pipeline: pipeline, restore: nil)
        let job = try configuration.job()
        try configuration.checkRunOptions()
        print("pipeline '\(configuration.pipeline ?? job.name)' (job '\(job.name)') is valid: \(job.steps.count) steps")
        for step in job.steps where step.kind == .exchange {
            let consumer = job.steps.first { $0.inputs.contains(step.id) }.map { "\($0)" } ?? "the next step"
            print("exchange #\(step.id) before \(consumer): passes records on in one process; run as a group (a source with a consumer group), records go through topic '\(job.exchangeTopic(ofStep: step.id)!)' to the instance that owns their key")
        }
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
            let topic = job.exchangeTopic(ofStep: step.id).map { " (by key; in a group: topic \($0))" } ?? ""
            lines.append("#\(step.id) \(label(step))\(topic)" + (inputs.isEmpty ? "" : " <- \(inputs)"))
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
