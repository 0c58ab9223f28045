#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A folder's files, with what obsw asks of them (kind, last change): the journals kept by
/// resumes, the newest of them, the oldest to remove.
public enum Directory {
    public struct Entry: Sendable {
        public var name: String
        public var path: String
        public var isRegularFile: Bool
        public var isDirectory: Bool
        /// When its contents last changed, in nanoseconds since 1970.
        public var modified: Int
    }

    /// The folder a path is in, as written: `a/b.obsw` → `a`, `b.obsw` → `.`, `/b` → `/`.
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `path` from the root: as it is when it starts with `/`, else after the working folder
    /// (not resolved further: links stay links). As it is when the working folder is unknown.
    public static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        let folder = String(cString: cwd)
        return (folder.hasSuffix("/") ? folder : folder + "/") + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    /// The entries of `folder` (without `.` and `..`); empty when it cannot be read.
    public static func entries(of folder: String) -> [Entry] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var entries: [Entry] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != ".." else { continue }
            let path = folder + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            entries.append(
                Entry(
                    name: name, path: path, isRegularFile: info.st_mode & S_IFMT == S_IFREG, isDirectory: info.st_mode & S_IFMT == S_IFDIR,
                    modified: Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)))
        }
        return entries
    }

    /// Every regular file under `folder` (at any depth) whose name ends in `suffix`, sorted.
    /// Hidden folders (`.git`, `.build`) and links to folders are not entered, so a link
    /// cannot make the walk go round.
    public static func files(under folder: String, endingIn suffix: String) -> [String] {
        var found: [String] = []
        var folders = [folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder]
        while let current = folders.popLast() {
            for entry in entries(of: current) {
                var link = stat()
                guard lstat(entry.path, &link) == 0 else { continue }
                let isLink = link.st_mode & S_IFMT == S_IFLNK
                if entry.isRegularFile, entry.name.hasSuffix(suffix), !entry.name.hasPrefix(".") {
                    found.append(entry.path)
                } else if entry.isDirectory, !isLink, !entry.name.hasPrefix(".") {
                    folders.append(entry.path)
                }
            }
        }
        return found.sorted()
    }
}
