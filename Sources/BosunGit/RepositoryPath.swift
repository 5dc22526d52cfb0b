/// Checks a path given to read, list or export: relative to the repository root, "/"-separated,
/// and not leaving the repository through `..`.
enum RepositoryPath {
    /// The path's components with `.` and empty parts dropped and `..` applied; "" or "." is the
    /// root (no components).
    static func components(_ path: String, in source: String) throws(GitError) -> [String] {
        if path.contains(where: { $0 == "\0" || $0 == "\n" || $0 == "\r" }) {
            throw GitError(.invalidPath, "path \(path.debugDescription) in \(source) contains a control character")
        }
        if path.hasPrefix("/") {
            throw GitError(.invalidPath, "path \(path.debugDescription) is absolute; give it relative to the repository root (\(source)), e.g. \(String(path.drop { $0 == "/" }).debugDescription)")
        }
        var result: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !result.isEmpty else {
                    throw GitError(.invalidPath, "path \(path.debugDescription) leaves the repository through \"..\" (\(source)); paths must stay inside it")
                }
                result.removeLast()
            default: result.append(String(part))
            }
        }
        return result
    }
}
