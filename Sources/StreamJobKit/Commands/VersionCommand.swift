import ArgumentParser
import Connectors
import Stream

/// `stream-job version`: the engine's version and the libraries it runs on.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the engine's version and the librdkafka it is linked against."
    )

    func run() {
        print(versionText)
    }
}

var versionText: String {
    "stream-job \(StreamEngine.version) (librdkafka \(Librdkafka.version))"
}
