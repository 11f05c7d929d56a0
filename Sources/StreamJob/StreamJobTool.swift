import Samples
import StreamBenchmarks
import StreamJobKit

/// `stream-job`: the engine's command line over its own pipelines, plus samples and benchmarks.
@main
struct StreamJobTool {
    static func main() async {
        RemoteProbes.register()
        await StreamJob.main(pipelines: Pipelines.all, commandName: "stream-job",
                             extraCommands: [SampleCommand.self, BenchCommand.self])
    }
}
