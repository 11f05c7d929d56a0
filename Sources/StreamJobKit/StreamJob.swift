public import ArgumentParser
import Foundation
@_exported public import Stream
import Synchronization

/// The `stream-job` command line over a set of pipelines: `run`, `replay`, `pipelines`,
/// `checkpoints` and `version`, plus any commands of your own. Your executable gets the same
/// tool as the engine's with a few lines:
///
/// ```swift
/// import StreamJobKit
///
/// @main struct MyJobs {
///     static func main() async {
///         await StreamJob.main(pipelines: [clicksPerMinute, sessions])
///     }
/// }
/// ```
///
/// Exit codes: 0 done (or stopped gracefully), 1 the job failed (the step, source position and
/// cause are on standard error), 2 a usage or configuration error.
public enum StreamJob {
    public static func main(pipelines: [Pipeline], commandName: String? = nil,
                            extraCommands: [any ParsableCommand.Type] = []) async -> Never {
        AllocatorTuning.apply()
        let name = commandName ?? CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent } ?? "stream-job"
        Registry.shared.withLock { $0 = Registry(commandName: name, pipelines: pipelines, extraCommands: extraCommands) }
        let command: any ParsableCommand
        do {
            command = try RootCommand.parseAsRoot()
        } catch {
            exitForArgumentError(error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var plain = command
                try plain.run()
            }
            ProcessExit.now(0)
        } catch let error as StreamError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            ProcessExit.now(error.code == .invalidJob ? 2 : 1)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            ProcessExit.now(2)
        } catch let error as CheckpointError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            ProcessExit.now(1)
        } catch let code as ExitCode {
            // The command printed its finding; the code is all that is left to say.
            ProcessExit.now(code.rawValue)
        } catch {
            exitForArgumentError(error)
        }
    }

    /// Prints an ArgumentParser error (or help) and exits: 0 for help and version, 2 for usage.
    static func exitForArgumentError(_ error: any Error) -> Never {
        let code = RootCommand.exitCode(for: error)
        let message = RootCommand.fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { print(message) }
            ProcessExit.now(0)
        }
        FileHandle.standardError.write(Data((message.isEmpty ? "\(error)" : message).utf8 + [10]))
        ProcessExit.now(code == .validationFailure ? 2 : code.rawValue)
    }
}

/// The pipelines and extra commands `StreamJob.main` was given, for the commands to find.
struct Registry: Sendable {
    static let shared = Mutex(Registry(commandName: "stream-job", pipelines: [], extraCommands: []))

    var commandName: String
    var pipelines: [Pipeline]
    nonisolated(unsafe) var extraCommands: [any ParsableCommand.Type]

    static var current: Registry { shared.withLock { $0 } }

    /// A pipeline to name in help examples: this binary's first.
    var example: String { pipelines.first?.name ?? "<pipeline>" }

    /// The pipeline called `name`, or a usage error listing those there are.
    static func pipeline(named name: String) throws -> Pipeline {
        let pipelines = current.pipelines
        guard let found = pipelines.first(where: { $0.name == name }) else {
            let known = pipelines.map(\.name).joined(separator: ", ")
            throw ValidationError("no pipeline named '\(name)'; the pipelines are: \(known.isEmpty ? "(none)" : known)")
        }
        return found
    }
}

/// The root command: its subcommands are the built-in ones plus those `StreamJob.main` was given.
struct RootCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let registry = Registry.current
        return CommandConfiguration(
            commandName: registry.commandName,
            abstract: "Run, resume, replay and inspect streaming jobs.",
            discussion: """
                Examples:
                  \(registry.commandName) pipelines                                  list the pipelines
                  \(registry.commandName) run \(registry.example) --checkpoint-dir state      run one, checkpointing
                  \(registry.commandName) run \(registry.example) --checkpoint-dir state --restore latest
                  \(registry.commandName) replay \(registry.example) --checkpoint-dir state --from chk-3 --output-dir replay
                  \(registry.commandName) checkpoints list --dir state --job <job>
                """,
            version: versionText,
            subcommands: [RunCommand.self, ReplayCommand.self, PipelinesCommand.self, GraphCommand.self, ValidateCommand.self,
                          CheckpointsCommand.self, ExplainCommand.self, DevBrokerCommand.self, VersionCommand.self,
                          WorkerCommand.self]
                + registry.extraCommands
        )
    }
}
