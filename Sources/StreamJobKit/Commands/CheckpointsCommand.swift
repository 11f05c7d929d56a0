import ArgumentParser
import Foundation
import Stream

/// `stream-job checkpoints …`: what checkpoints a job has, what each holds, whether it is intact.
struct CheckpointsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints",
        abstract: "List, inspect and verify a job's checkpoints.",
        discussion: """
            Checkpoints live in <dir>/<job>/chk-<n>/.

            Examples:
              stream-job checkpoints list --dir state --job clicks
              stream-job checkpoints inspect chk-7 --dir state --job clicks
              stream-job checkpoints verify --dir state --job clicks
              stream-job checkpoints gc --dir state --job clicks --retain 1
              stream-job checkpoints diff w1-windows --from chk-7 --dir state --set window-ms=2000
            """,
        subcommands: [List.self, Inspect.self, Verify.self, GC.self, Diff.self]
    )

    struct Location: ParsableArguments {
        @Option(help: "The checkpoint directory (the job's checkpoints are in <dir>/<job>).")
        var dir: String

        @Option(help: "The job's name.")
        var job: String

        var store: CheckpointStore { CheckpointStore(root: dir, job: job) }
    }

    /// Parses `chk-7` or `7`.
    static func parseID(_ text: String) throws -> Int {
        guard let id = Int(text.hasPrefix("chk-") ? String(text.dropFirst(4)) : text), id > 0 else {
            throw ValidationError("'\(text)' is not a checkpoint; write chk-<n>, e.g. chk-7.")
        }
        return id
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the checkpoints, oldest first, and whether each is intact.")
        @OptionGroup var location: Location

        func run() throws {
            let store = location.store
            let ids = try store.ids()
            if ids.isEmpty { print("no checkpoints in \(store.directory)") }
            let latest = try? store.latest()?.manifest.id
            for id in ids {
                do {
                    let checkpoint = try store.read(id: id)
                    let bytes = checkpoint.manifest.states.reduce(0) { $0 + $1.bytes }
                    let watermark = checkpoint.manifest.watermark == EventTime.beginning ? "none" : "\(checkpoint.manifest.watermark)"
                    print("chk-\(id)  \(timestamp(checkpoint.manifest.createdAt))  watermark \(watermark)  "
                        + "\(checkpoint.manifest.states.count) states, \(bytes) bytes  ok" + (id == latest ? "  <- --restore latest" : ""))
                } catch CheckpointError.uncommitted {
                    print("chk-\(id)  NOT RESTORABLE: the job stopped before its commits completed (a restore of latest uses the one before)")
                } catch {
                    print("chk-\(id)  CORRUPT: \(error)")
                }
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what a checkpoint holds: sources' positions, watermark, states.")
        @Argument(help: "The checkpoint, e.g. chk-7.") var checkpoint: String
        @OptionGroup var location: Location

        func run() throws {
            let checkpoint = try location.store.read(id: CheckpointsCommand.parseID(checkpoint))
            let manifest = checkpoint.manifest
            print("chk-\(manifest.id) of job \(manifest.job), format \(manifest.formatVersion), taken \(timestamp(manifest.createdAt))")
            print("watermark \(manifest.watermark)")
            for (step, position) in manifest.sources.sorted(by: { $0.key < $1.key }) { print("source \(step): \(position)") }
            for state in manifest.states { print("state \(state.step): \(state.file), \(state.bytes) bytes, crc32c \(state.crc32c)") }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every file's size and checksum; exit 1 naming what is corrupt.")
        @Argument(help: "The checkpoint to verify (default: all).") var checkpoint: String?
        @OptionGroup var location: Location

        func run() throws {
            let store = location.store
            let ids = try checkpoint.map { [try CheckpointsCommand.parseID($0)] } ?? store.ids()
            guard !ids.isEmpty else {
                print("no checkpoints of job '\(location.job)' in \(store.directory): nothing to verify")
                throw ExitCode.failure
            }
            var failed = false
            for id in ids {
                let problems = store.verify(id: id)
                print(problems.isEmpty ? "chk-\(id): intact" : "chk-\(id): \(problems.joined(separator: "; "))")
                failed = failed || !problems.isEmpty
            }
            if failed { throw ExitCode.failure }
        }
    }
}

extension CheckpointsCommand {
    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Keep the newest restorable checkpoints (and any newer); remove older ones and leftovers.",
            discussion: "Each checkpoint is read whole to decide: the last good one is never removed, even when newer ones are corrupt.")
        @OptionGroup var location: Location

        @Option(help: "How many of the newest complete checkpoints to keep.")
        var retain = 3

        func validate() throws {
            guard retain > 0 else { throw ValidationError("--retain must be at least 1: the newest checkpoint is what a restore needs") }
        }

        func run() throws {
            let store = CheckpointStore(root: location.dir, job: location.job, retain: retain)
            for id in try store.prune(verifying: true) { print("removed chk-\(id)") }
            let kept = try store.ids()
            print(kept.isEmpty ? "no checkpoints kept" : "kept \(kept.map { "chk-\($0)" }.joined(separator: ", "))")
        }
    }
}

/// Milliseconds since the epoch as an ISO 8601 time.
func timestamp(_ milliseconds: Int64) -> String {
    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

extension CheckpointsCommand {
    /// `checkpoints diff <pipeline> --from chk-N`: how a checkpoint's state would map onto the
    /// pipeline built with the given settings, step by step; exit 1 if `run --restore` would refuse it.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say step by step how a checkpoint's state maps onto the pipeline as built now; exit 1 if a restore would be refused.",
            discussion: """
                Unchanged state is restored; a new step starts empty; state of a step the pipeline no
                longer has is refused (unless --allow-non-restored-state drops it); state whose type
                changed, or a step whose state-shaping settings changed (a window's size), is refused.
                Changed pipeline settings are listed: fine in themselves (an output path). `run
                --restore` applies the same rules.
                """)

        @Argument(help: "The pipeline, as `run` takes it.") var pipeline: String
        @Option(help: "The checkpoint, e.g. chk-7.") var from: String
        @Option(help: "The checkpoint directory (the job's checkpoints are in <dir>/<job>).") var dir: String
        @Option(name: .customLong("set"), help: ArgumentHelp("A pipeline setting, key=value (repeatable).", valueName: "key=value"))
        var settings: [String] = []
        @Flag(help: "Count dropping the state of removed steps as allowed.") var allowNonRestoredState = false

        func run() throws {
            let given = try JobOptions.parseSettings(settings)
            let job = try JobOptions.building(pipeline, settings: given, validating: true)
            let checkpoint = try CheckpointStore(root: dir, job: job.name).read(id: CheckpointsCommand.parseID(from))
            let check = CheckpointCompatibility(checkpoint: checkpoint.manifest, stateSteps: Set(checkpoint.states.keys),
                                                steps: job.stateSignatures,
                                                settings: try JobOptions.effectiveSettings(of: pipeline, given: given.values))
            print("chk-\(checkpoint.manifest.id) of job \(job.name) against pipeline \(pipeline)" + (settings.isEmpty ? "" : " with \(settings.joined(separator: " "))"))
            if checkpoint.manifest.settings == nil { print("(the checkpoint recorded no settings: settings are not compared)") }
            let refusals = Set(check.refusals(allowingNonRestoredState: allowNonRestoredState))
            for change in check.changes {
                let verdict = switch change {
                case .unchanged: "ok      "
                case .migrated: "migrate "
                case .new: "new     "
                case .unrecorded: "unknown "
                case .settingChanged: "fine    "
                case .dropped: refusals.contains(change.sentence) ? "REFUSED " : "dropped "
                case .typeChanged, .configurationChanged: "REFUSED "
                }
                print("\(verdict)\(change.sentence)")
            }
            print(refusals.isEmpty ? "a restore would be accepted" : "a restore would be refused (\(refusals.count) reason\(refusals.count == 1 ? "" : "s"))")
            if !refusals.isEmpty { throw ExitCode.failure }
        }
    }
}
