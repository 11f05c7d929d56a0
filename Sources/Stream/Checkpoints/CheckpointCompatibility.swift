/// How a checkpoint's state maps onto a pipeline that may have changed since it was written,
/// step by step, as Flink checks a savepoint against a changed job: what `stream-job
/// checkpoints diff` prints and what a restore enforces.
///
/// State of an unchanged step maps as it is; a new step starts empty; state of a step the
/// pipeline no longer has would be dropped (refused unless allowed); state whose type changed
/// cannot be read (refused); a step whose state-shaping settings changed (a window's size, say)
/// would mix the old and new shapes (refused). Changed pipeline settings are listed and are fine
/// in themselves (an output path, say): those that matter show up as a step's change.
///
/// ```swift
/// let check = CheckpointCompatibility(checkpoint: manifest, stateSteps: Set(checkpoint.states.keys),
///                                     steps: graph.stateSignatures, settings: ["window-ms": "2000"])
/// check.refusals(allowingNonRestoredState: false)   // ["step 'per-second' changed: …"]
/// ```
public struct CheckpointCompatibility: Sendable {
    public enum Change: Sendable, Equatable {
        case unchanged(step: String)
        /// A step with state that the checkpoint has none for: it starts empty.
        case new(step: String)
        /// State in the checkpoint for a step the pipeline does not have.
        case dropped(step: String)
        case typeChanged(step: String, from: String, to: String)
        /// State of an older type that the step's state type converts (a ``MigratableState``).
        case migrated(step: String, from: String, to: String)
        case configurationChanged(step: String, from: String, to: String)
        /// The checkpoint predates recorded signatures: the step's state is restored unchecked.
        case unrecorded(step: String)
        case settingChanged(name: String, from: String?, to: String?)
    }

    public let checkpointID: Int
    public let changes: [Change]

    /// Compares checkpoint `manifest` (with state for `stateSteps`) with a pipeline whose
    /// stateful steps have the signatures `steps`, built with `settings` (nil: unknown).
    public init(checkpoint manifest: CheckpointManifest, stateSteps: Set<String>, steps: [String: StateSignature], settings: [String: String]?) {
        checkpointID = manifest.id
        var changes: [Change] = []
        let recorded = manifest.steps
        for (step, signature) in steps.sorted(by: { $0.key < $1.key }) {
            if let old = recorded?[step] {
                if old.schema != signature.schema {
                    let converts = signature.accepts?.contains(old.schema) == true && old.configuration == signature.configuration
                    changes.append(converts ? .migrated(step: step, from: old.schema, to: signature.schema)
                                            : .typeChanged(step: step, from: old.schema, to: signature.schema))
                } else if old.configuration != signature.configuration {
                    changes.append(.configurationChanged(step: step, from: old.configuration, to: signature.configuration))
                } else {
                    changes.append(.unchanged(step: step))
                }
            } else if stateSteps.contains(step) {
                changes.append(.unrecorded(step: step))
            } else {
                changes.append(.new(step: step))
            }
        }
        for step in (recorded ?? [:]).keys.sorted() where steps[step] == nil && stateSteps.contains(step) {
            changes.append(.dropped(step: step))
        }
        if let old = manifest.settings, let settings {
            for name in Set(old.keys).union(settings.keys).sorted() where old[name] != settings[name] {
                changes.append(.settingChanged(name: name, from: old[name], to: settings[name]))
            }
        }
        self.changes = changes
    }

    /// Why the checkpoint cannot be restored onto the pipeline, one reason a change; empty if it can.
    public func refusals(allowingNonRestoredState: Bool) -> [String] {
        changes.compactMap { change in
            switch change {
            case .typeChanged, .configurationChanged: change.sentence
            case .dropped: allowingNonRestoredState ? nil : change.sentence
            default: nil
            }
        }
    }
}

extension CheckpointCompatibility.Change {
    /// The change in words, saying what happens to the state.
    public var sentence: String {
        switch self {
        case .unchanged(let step): "step '\(step)': state restored unchanged"
        case .migrated(let step, let from, let to): "step '\(step)': state written as \(from) is converted to \(to) (a migratable state type)"
        case .new(let step): "step '\(step)': new, starts empty"
        case .dropped(let step):
            "the checkpoint holds state for step '\(step)', which this pipeline does not have (renamed or removed?); restoring would drop it (allow with --allow-non-restored-state)"
        case .typeChanged(let step, let from, let to):
            "step '\(step)': its state was written as \(from) and the pipeline now keeps \(to); it cannot be read back (keep the old type, make the new one a MigratableState whose Old is the old one, or start the job afresh)"
        case .configurationChanged(let step, let from, let to):
            "step '\(step)' changed from \(from) to \(to); its state was shaped the old way and restoring would mix both (keep the old setting, or start the job afresh)"
        case .unrecorded(let step): "step '\(step)': restored unchecked (the checkpoint predates state signatures)"
        case .settingChanged(let name, let from, let to):
            "setting '\(name)' changed: \(from ?? "unset") → \(to ?? "unset")"
        }
    }
}
