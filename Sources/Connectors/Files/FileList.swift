import Foundation

/// The files a path names: one file, every regular file in a directory, or the files matching
/// a glob in the last component (`data/part-*.csv`), in name order.
enum FileList {
    static func resolve(_ path: String) throws -> [String] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { return [path] }
            let names = try manager.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
            return names.map { (path as NSString).appendingPathComponent($0) }.filter { isRegularFile($0) }
        }
        let directory = (path as NSString).deletingLastPathComponent
        let pattern = (path as NSString).lastPathComponent
        guard pattern.contains(where: { "*?[".contains($0) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        let base = directory.isEmpty ? "." : directory
        let names = (try? manager.contentsOfDirectory(atPath: base)) ?? []
        return names.filter { fnmatch(pattern, $0, 0) == 0 }.sorted()
            .map { directory.isEmpty ? $0 : (directory as NSString).appendingPathComponent($0) }
            .filter { isRegularFile($0) }
    }

    /// `path` made absolute and standard (no `.`, `..` or doubled slashes): how steps that write
    /// files are compared.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (full as NSString).standardizingPath
    }

    static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}
