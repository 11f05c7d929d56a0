import ArgumentParser
import Connectors
import Foundation
import Stream

/// `stream-job dev-broker`: an embedded Kafka (librdkafka's mock cluster) on 127.0.0.1, until stopped.
struct DevBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker",
        abstract: "Serve an in-process Kafka cluster on 127.0.0.1 for development, until SIGINT or SIGTERM.",
        discussion: """
            Prints `bootstrap.servers=<host:port,…>` once it listens. It is librdkafka's mock
            cluster: each partition keeps only about its newest 5 MiB, and transactions are
            accepted without changing what consumers see.

            Example:
              stream-job dev-broker --topic clicks:4 --topic counts:1
            """
    )

    @Option(name: .customLong("topic"), help: ArgumentHelp("A topic to create, name:partitions (repeatable).", valueName: "name:partitions"))
    var topics: [String] = []

    @Option(help: "Brokers in the cluster.")
    var brokers = 1

    func validate() throws {
        guard brokers > 0 else { throw ValidationError("--brokers must be at least 1") }
        _ = try parsedTopics()
    }

    func parsedTopics() throws -> [String: Int] {
        var parsed: [String: Int] = [:]
        for topic in topics {
            let parts = topic.split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, let partitions = Int(parts[1]), partitions > 0 else {
                throw ValidationError("--topic \(topic): write name:partitions, e.g. clicks:4")
            }
            parsed[String(parts[0])] = partitions
        }
        return parsed
    }

    func run() async throws {
        let kafka = try EmbeddedKafka(brokers: brokers, topics: try parsedTopics())
        let control = RunControl()
        let stop = GracefulStop(control: control, message: "stopping the broker")
        // Unbuffered, so whoever started the broker sees the address at once.
        FileHandle.standardOutput.write(Data("bootstrap.servers=\(kafka.bootstrapServers)\n".utf8))
        while !control.isStopRequested { try await Task.sleep(for: .milliseconds(100)) }
        withExtendedLifetime((stop, kafka)) {}
    }
}
