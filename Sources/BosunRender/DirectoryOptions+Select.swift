import BosunCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension DirectoryOptions {
    /// The files a plain or Jsonnet folder renders: only its own level unless `recurse`, then
    /// `include` and `exclude` globs over paths relative to the folder (`*.yaml`, `test/*`,
    /// `{a.yaml,b.yaml}`).
    func selected(_ files: [SourceFile], under path: String) -> [SourceFile] {
        let prefix = path == "." ? "" : path + "/"
        return files.filter { file in
            let relative = file.path.hasPrefix(prefix) ? String(file.path.dropFirst(prefix.count)) : file.path
            if !recurse && relative.contains("/") { return false }
            if let include, !Self.matches(include, relative) { return false }
            if let exclude, Self.matches(exclude, relative) { return false }
            return true
        }
    }

    static func matches(_ pattern: String, _ path: String) -> Bool {
        if pattern.hasPrefix("{") && pattern.hasSuffix("}") {
            return pattern.dropFirst().dropLast().split(separator: ",").contains { matches(String($0), path) }
        }
        // `*` spans folders as Argo CD's globs do; a bare name also matches at any depth.
        if fnmatch(pattern, path, 0) == 0 { return true }
        if !pattern.contains("/"), let last = path.split(separator: "/").last { return fnmatch(pattern, String(last), 0) == 0 }
        return false
    }
}
