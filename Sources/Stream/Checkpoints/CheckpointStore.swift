import Foundation

/// A checkpoint read back and verified: its manifest and each step's state.
public struct Checkpoint: Sendable {
    public let manifest: CheckpointManifest
    /// State bytes by step id.
    public let states: [String: [UInt8]]
}

/// Checkpoints of one job on disk: `<root>/<job>/chk-<n>/`, each a manifest and one state
/// file per stateful step.
///
/// A checkpoint is written into a temporary directory, every file fsynced, the manifest last,
/// then renamed into place in one step: a crash never leaves a half-checkpoint that looks
/// whole, and a leftover temporary directory is ignored (and removed by `prune`). Reading
/// verifies the manifest's and every file's checksum and size, and names the file at fault.
///
/// ```swift
/// let store = CheckpointStore(root: "state", job: "clicks")
/// try store.write(id: 1, watermark: wm, sources: ["clicks": "clicks.csv@1042"], states: ["per-minute": bytes])
/// let restored = try store.latest()   // the newest checkpoint, verified
/// ```
public struct CheckpointStore: Sendable {
    public let directory: String
    public let job: String
    /// How many complete checkpoints to keep.
    public let retain: Int
    /// What every checkpoint written records of the pipeline (its steps' signatures, settings).
    public var identity: CheckpointIdentity?

    static let manifestName = "manifest.json"
    static let manifestChecksumName = "manifest.json.crc32c"

    public init(root: String, job: String, retain: Int = 3, identity: CheckpointIdentity? = nil) {
        directory = "\(root)/\(job)"
        self.job = job
        self.retain = max(1, retain)
        self.identity = identity
    }

    public func path(of id: Int) -> String { "\(directory)/chk-\(id)" }

    // MARK: Writing

    /// Writes checkpoint `id` atomically, then keeps only the newest `retain` checkpoints.
    @discardableResult
    public func write(id: Int, watermark: Int64, sources: [String: String], states: [String: [UInt8]],
                      createdAt: Int64? = nil, awaitsCommitted: Bool = false) throws -> CheckpointManifest {
        try DurableFiles.makeDirectory(directory)
        let final = path(of: id)
        guard !DurableFiles.exists(final) else {
            throw CheckpointError.io(path: final, reason: "a checkpoint with this number already exists")
        }
        let temporary = "\(final).tmp-\(UInt32.random(in: 0...UInt32.max))"
        try DurableFiles.makeDirectory(temporary)
        var files: [CheckpointManifest.StateFile] = []
        for (index, (step, bytes)) in states.sorted(by: { $0.key < $1.key }).enumerated() {
            let file = "state-\(index).bin"
            try DurableFiles.write(bytes, to: "\(temporary)/\(file)")
            files.append(.init(step: step, file: file, bytes: bytes.count, crc32c: CRC32C.checksum(bytes)))
        }
        let manifest = CheckpointManifest(formatVersion: CheckpointManifest.currentFormatVersion, job: job, id: id,
                                          createdAt: createdAt ?? systemEpochMilliseconds(), watermark: watermark, sources: sources, states: files,
                                          awaitsCommitted: awaitsCommitted ? true : nil,
                                          steps: identity.flatMap { $0.steps.isEmpty ? nil : $0.steps }, settings: identity?.settings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let manifestBytes = [UInt8](try encoder.encode(manifest))
        try DurableFiles.write(manifestBytes, to: "\(temporary)/\(Self.manifestName)")
        try DurableFiles.write(Array(hex(CRC32C.checksum(manifestBytes)).utf8), to: "\(temporary)/\(Self.manifestChecksumName)")
        try DurableFiles.syncDirectory(temporary)
        try DurableFiles.rename(temporary, to: final)
        try DurableFiles.syncDirectory(directory)
        try prune()
        return manifest
    }

    static let committedName = "COMMITTED"

    /// Records that checkpoint `id`'s commits completed (see ``CheckpointManifest/awaitsCommitted``).
    public func confirmCommitted(id: Int) throws {
        try DurableFiles.write([], to: "\(path(of: id))/\(Self.committedName)")
        try DurableFiles.syncDirectory(path(of: id))
    }

    /// Keeps the newest `retain` restorable checkpoints and whatever is newer than them (corrupt,
    /// or still waiting for its commits: a restore names those), and removes the older ones and
    /// leftover temporaries — so the last good checkpoint is never removed. With `verifying`,
    /// "restorable" means every file was read and checked (the `gc` command); otherwise the
    /// manifest is (after each checkpoint the job writes). A checkpoint is renamed out of the way
    /// before its files go, so a kill half-way leaves a leftover, never a half checkpoint.
    /// Returns the removed checkpoints.
    @discardableResult
    public func prune(verifying: Bool = false) throws -> [Int] {
        for name in DurableFiles.list(directory) where name.contains(".tmp-") {
            DurableFiles.remove("\(directory)/\(name)")
        }
        let all = try ids()
        let good = all.filter { verifying ? (try? read(id: $0)) != nil : isRestorable($0) }
        guard let oldestKept = good.suffix(retain).first else { return [] }
        let doomed = all.filter { $0 < oldestKept }
        for id in doomed {
            let aside = "\(path(of: id)).tmp-removing"
            try DurableFiles.rename(path(of: id), to: aside)
            DurableFiles.remove(aside)
        }
        return doomed
    }

    /// The newest restorable checkpoint at or before `id`, if any (checked by reading it whole).
    public func restorable(before id: Int) throws -> Int? {
        try ids().reversed().first { $0 < id && (try? read(id: $0)) != nil }
    }

    /// Whether checkpoint `id` does not wait for its commits, or they completed (its files are not checked).
    private func isRestorable(_ id: Int) -> Bool {
        guard let manifest = try? readManifest(at: path(of: id)) else { return false }
        return manifest.awaitsCommitted != true || DurableFiles.exists("\(path(of: id))/\(Self.committedName)")
    }

    // MARK: Reading

    /// The jobs with checkpoints in `root`, by name.
    public static func jobs(in root: String) -> [String] {
        DurableFiles.list(root).filter { job in DurableFiles.list("\(root)/\(job)").contains { $0.hasPrefix("chk-") } }.sorted()
    }

    /// The numbers of the complete checkpoints, oldest first (temporaries, and checkpoints being
    /// removed, are not checkpoints).
    public func ids() throws -> [Int] {
        DurableFiles.list(directory).compactMap { name -> Int? in
            guard name.hasPrefix("chk-"), !name.contains(".tmp-") else { return nil }
            return Int(name.dropFirst(4))
        }.sorted()
    }

    /// The number the next checkpoint should take.
    public func nextID() throws -> Int { (try ids().last ?? 0) + 1 }

    /// Reads and verifies checkpoint `id`; with `requireCommitted` (the default), one whose
    /// commits did not complete is refused (``CheckpointError/uncommitted(_:)``).
    public func read(id: Int, requireCommitted: Bool = true) throws -> Checkpoint {
        let base = path(of: id)
        guard DurableFiles.exists(base) else { throw CheckpointError.notFound("chk-\(id) in \(directory)") }
        let manifest = try readManifest(at: base)
        if requireCommitted, manifest.awaitsCommitted == true, !DurableFiles.exists("\(base)/\(Self.committedName)") {
            throw CheckpointError.uncommitted("chk-\(id)")
        }
        var states: [String: [UInt8]] = [:]
        for entry in manifest.states {
            let file = "\(base)/\(entry.file)"
            let bytes = try DurableFiles.read(file)
            guard bytes.count == entry.bytes else {
                throw CheckpointError.corrupt(file: file, reason: "\(bytes.count) bytes, the manifest says \(entry.bytes) (truncated?)")
            }
            let checksum = CRC32C.checksum(bytes)
            guard checksum == entry.crc32c else {
                throw CheckpointError.corrupt(file: file, reason: "checksum \(hex(checksum)), the manifest says \(hex(entry.crc32c))")
            }
            states[entry.step] = bytes
        }
        return Checkpoint(manifest: manifest, states: states)
    }

    /// The newest checkpoint, verified; nil if there is none. A corrupt newest checkpoint is an
    /// error naming the file — unless `fallingBack`, when the newest intact one is used instead.
    /// A checkpoint whose commits did not complete (and cannot be run again) is always passed
    /// over for the one before it: the job replays from there.
    public func latest(fallingBack: Bool = false) throws -> Checkpoint? {
        for id in try ids().reversed() {
            do {
                return try read(id: id)
            } catch CheckpointError.uncommitted {
                continue
            } catch let error as CheckpointError {
                if !fallingBack { throw error }
            }
        }
        return nil
    }

    /// What is wrong with checkpoint `id`; empty when it is intact. One whose commits did not
    /// complete is intact (its files are checked) but reported as not restorable.
    public func verify(id: Int) -> [String] {
        do {
            _ = try read(id: id, requireCommitted: false)
            return DurableFiles.exists("\(path(of: id))/\(Self.committedName)") || !awaitsCommitted(id) ? [] : ["\(CheckpointError.uncommitted("chk-\(id)"))"]
        } catch {
            return ["\(error)"]
        }
    }

    private func awaitsCommitted(_ id: Int) -> Bool {
        (try? readManifest(at: path(of: id)))?.awaitsCommitted == true
    }

    private func readManifest(at base: String) throws -> CheckpointManifest {
        let file = "\(base)/\(Self.manifestName)"
        let bytes = try DurableFiles.read(file)
        let recorded = String(decoding: try DurableFiles.read("\(base)/\(Self.manifestChecksumName)"), as: UTF8.self)
        guard recorded == hex(CRC32C.checksum(bytes)) else {
            throw CheckpointError.corrupt(file: file, reason: "checksum \(hex(CRC32C.checksum(bytes))), recorded \(recorded)")
        }
        let manifest: CheckpointManifest
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest.self, from: Data(bytes))
        } catch {
            throw CheckpointError.corrupt(file: file, reason: "not a manifest: \(error)")
        }
        guard manifest.formatVersion == CheckpointManifest.currentFormatVersion else {
            throw CheckpointError.unsupportedFormat(file: file, version: manifest.formatVersion)
        }
        return manifest
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
