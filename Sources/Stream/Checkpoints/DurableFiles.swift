#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
private let systemRead = Glibc.read
private let systemRename = Glibc.rename
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
private let systemRead = Darwin.read
private let systemRename = Darwin.rename
#endif

/// File operations that survive a crash: written, fsynced and closed before they count.
public enum DurableFiles {
    static func errorText() -> String { String(cString: strerror(errno)) }

    /// Creates (or replaces) `path` with `bytes`, and fsyncs it.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw CheckpointError.io(path: path, reason: errorText()) }
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, path: path) }
        guard fsync(descriptor) == 0 else { throw CheckpointError.io(path: path, reason: errorText()) }
    }

    /// Writes all of `bytes` at the descriptor's current offset.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var written = 0
        while written < bytes.count {
            let result = systemWrite(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw CheckpointError.io(path: path, reason: errorText())
            }
            written += result
        }
    }

    /// Appends the whole of file `from` to `to` at byte `offset` (cutting `to` there first, so
    /// doing it again after a crash gives the same file), and fsyncs `to`.
    static func copyWhole(_ from: String, into to: String, at offset: Int) throws {
        let source = open(from, O_RDONLY)
        guard source >= 0 else { throw CheckpointError.io(path: from, reason: errorText()) }
        defer { close(source) }
        let target = open(to, O_WRONLY | O_CREAT, 0o644)
        guard target >= 0 else { throw CheckpointError.io(path: to, reason: errorText()) }
        defer { close(target) }
        guard ftruncate(target, off_t(offset)) == 0, lseek(target, off_t(offset), SEEK_SET) >= 0 else {
            throw CheckpointError.io(path: to, reason: errorText())
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(source, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CheckpointError.io(path: from, reason: errorText())
            }
            if count == 0 { break }
            try chunk.withUnsafeBytes { try writeAll(target, UnsafeRawBufferPointer(rebasing: $0[0..<count]), path: to) }
        }
        guard fsync(target) == 0 else { throw CheckpointError.io(path: to, reason: errorText()) }
    }

    /// Cuts (or extends) `path` to `length` bytes, creating it if missing, and fsyncs it.
    static func truncate(_ path: String, to length: Int) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw CheckpointError.io(path: path, reason: errorText()) }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(length)) == 0, fsync(descriptor) == 0 else {
            throw CheckpointError.io(path: path, reason: errorText())
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw errno == ENOENT ? CheckpointError.corrupt(file: path, reason: "the file is missing")
                : CheckpointError.io(path: path, reason: errorText())
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CheckpointError.io(path: path, reason: errorText())
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Makes a directory's entries (new files, renames) durable.
    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw CheckpointError.io(path: path, reason: errorText()) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw CheckpointError.io(path: path, reason: errorText()) }
    }

    static func makeDirectory(_ path: String) throws {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/\(component)"
            if mkdir(built, 0o755) != 0 && errno != EEXIST { throw CheckpointError.io(path: built, reason: errorText()) }
        }
    }

    /// Replaces `path` with `bytes` so that a crash leaves the old file or the new one, never a
    /// part: written to a temporary file beside it, fsynced, renamed over it, the directory
    /// synced. Its directory is made if missing.
    ///
    /// ```swift
    /// try DurableFiles.replace("out/rows.digest", with: Array("rows=3 digest=…\n".utf8))
    /// ```
    public static func replace(_ path: String, with bytes: [UInt8]) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        if !directory.isEmpty { try makeDirectory(directory) }
        let staging = path + ".part"
        try write(bytes, to: staging)
        try rename(staging, to: path)
        try syncDirectory(directory.isEmpty ? "/" : directory)
    }

    static func rename(_ from: String, to: String) throws {
        guard systemRename(from, to) == 0 else { throw CheckpointError.io(path: to, reason: errorText()) }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The names in a directory (not `.` or `..`); empty if it does not exist.
    static func list(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file or a directory with everything in it.
    static func remove(_ path: String) {
        for name in list(path) { remove("\(path)/\(name)") }
        if unlink(path) != 0 { rmdir(path) }
    }
}
