import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The directory a host target may write to, and the check that keeps every path inside it:
/// no absolute paths, no `..` that climbs out, no symlink on the way that points out, and
/// nothing inside Bosun's own logs and state.
struct HostRoot: Sendable {
    /// The root as configured, absolute.
    let path: String
    /// The root with symlinks resolved, which is what containment is checked against.
    let realPath: String
    /// Real paths Bosun keeps for itself (logs, state); files may not go there.
    let reserved: [String]

    /// Creates the root (and the reserved folders) when missing.
    init(path: String, reserved: [String]) throws {
        let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: standardized, withIntermediateDirectories: true)
        for folder in reserved {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        self.path = standardized
        realPath = Self.realpath(standardized) ?? standardized
        self.reserved = reserved.map { Self.realpath($0) ?? URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// The absolute path of `relative` inside the root. `field` names the manifest field in errors.
    /// With `followFinal`, a symlink at the last component is followed too (a working directory
    /// is entered; a file is replaced, not followed, so its last component may be a link).
    func resolve(_ relative: String, field: String, followFinal: Bool) throws(ManifestError) -> String {
        guard !relative.utf8.contains(0) else { throw ManifestError(field, "contains a NUL character") }
        guard !relative.hasPrefix("/") else {
            throw ManifestError(field, "\"\(relative)\" is absolute; write it relative to the host root \(path), for example \"site/index.html\"")
        }
        var components: [String] = []
        for part in relative.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !components.isEmpty else {
                    throw ManifestError(field, "\"\(relative)\" leaves the host root \(path); keep the path inside it (no leading ..)")
                }
                components.removeLast()
            default: components.append(String(part))
            }
        }
        let absolute = components.isEmpty ? path : path + "/" + components.joined(separator: "/")
        // Symlinks: resolve the deepest part of the path that exists and check where it really is.
        let real = try realLocation(of: components, followFinal: followFinal, relative: relative, field: field)
        for folder in reserved where real == folder || real.hasPrefix(folder + "/") {
            throw ManifestError(field, "\"\(relative)\" is inside \(folder), which Bosun keeps for its own logs and state; choose another path")
        }
        return absolute
    }

    /// Where the path would really be on disk: its deepest existing ancestor with symlinks resolved,
    /// plus the components that do not exist yet. Throws when that is outside the root.
    private func realLocation(of components: [String], followFinal: Bool, relative: String, field: String) throws(ManifestError) -> String {
        let checked = followFinal ? components : Array(components.dropLast())
        var existing = checked.count
        var resolved: String? = nil
        while existing >= 0 {
            let candidate = existing == 0 ? path : path + "/" + checked.prefix(existing).joined(separator: "/")
            if let real = Self.realpath(candidate) {
                resolved = real
                break
            }
            existing -= 1
        }
        // realpath fails for a dangling link too; refuse one anywhere on the way rather than guess.
        for depth in stride(from: existing + 1, through: checked.count, by: 1) where depth > 0 {
            let candidate = path + "/" + checked.prefix(depth).joined(separator: "/")
            if Self.isSymlink(candidate) {
                throw ManifestError(field, "\"\(relative)\" goes through the symlink \(candidate), which points nowhere; remove the link or choose another path")
            }
        }
        let base = resolved ?? realPath
        guard base == realPath || base.hasPrefix(realPath == "/" ? "/" : realPath + "/") else {
            throw ManifestError(field, "\"\(relative)\" leaves the host root \(path) through a symlink (it resolves to \(base)); keep the path inside the root")
        }
        let rest = checked.dropFirst(max(existing, 0)) + (followFinal ? [] : components.suffix(1))
        return rest.isEmpty ? base : base + "/" + rest.joined(separator: "/")
    }

    /// Whether the folder at `path`, with every symlink resolved, is the root or inside it.
    func containsFolder(_ path: String) -> Bool {
        guard let real = Self.realpath(path) else { return false }
        let inside = real == realPath || real.hasPrefix(realPath == "/" ? "/" : realPath + "/")
        return inside && !reserved.contains { real == $0 || real.hasPrefix($0 + "/") }
    }

    static func realpath(_ path: String) -> String? {
        #if canImport(Glibc)
            guard let pointer = Glibc.realpath(path, nil) else { return nil }
        #else
            guard let pointer = Darwin.realpath(path, nil) else { return nil }
        #endif
        defer { free(pointer) }
        return String(cString: pointer)
    }

    static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }
}
