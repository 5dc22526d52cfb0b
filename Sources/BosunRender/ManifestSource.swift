import BosunCore
import Foundation

/// A file in a tree of manifests, without its content.
public struct SourceFile: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case regular, symlink(target: String), other }
    /// Relative to the tree's root, `/`-separated.
    public var path: String
    public var kind: Kind
    public var size: Int

    public init(path: String, kind: Kind = .regular, size: Int) {
        self.path = path
        self.kind = kind
        self.size = size
    }
}

/// A tree of files a renderer reads: a commit of a Git repository, or a folder on disk.
public protocol ManifestSource: Sendable {
    /// Names the tree in messages (`deploy@3f2a9c1`).
    var displayName: String { get }
    /// Files under `path` (relative to the root), recursively.
    func list(path: String) async throws -> [SourceFile]
    /// Contents of files, by path. Files larger than `maxSize` are an error naming them.
    func read(_ paths: [String], maxSize: Int) async throws -> [String: Data]
    /// Writes the whole tree into `directory`, for tools that read a filesystem (kustomize, helm).
    func materialize(into directory: URL) async throws
}

/// A folder on disk as a manifest source (used by tests and `bosun render --dir`).
public struct DirectorySource: ManifestSource {
    public let root: URL
    public var displayName: String { root.path }

    public init(root: URL) { self.root = root.standardizedFileURL }

    public func list(path: String) async throws -> [SourceFile] {
        let base = root.appendingPathComponent(path).standardizedFileURL
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: base.path, isDirectory: &isDirectory) else {
            throw RenderError(file: path, message: "no such path in \(displayName)")
        }
        let rootPrefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        func relative(_ url: URL) -> String { String(url.standardizedFileURL.path.dropFirst(rootPrefix.count)) }
        func entry(_ url: URL) throws -> SourceFile {
            let attributes = try fm.attributesOfItem(atPath: url.path)
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            if attributes[.type] as? FileAttributeType == .typeSymbolicLink {
                return SourceFile(path: relative(url), kind: .symlink(target: try fm.destinationOfSymbolicLink(atPath: url.path)), size: size)
            }
            return SourceFile(path: relative(url), kind: attributes[.type] as? FileAttributeType == .typeRegular ? .regular : .other, size: size)
        }
        if !isDirectory.boolValue { return [try entry(base)] }
        var files: [SourceFile] = []
        guard let enumerator = fm.enumerator(at: base, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey]) else { return [] }
        for case let url as URL in enumerator {
            if url.lastPathComponent == ".git" { enumerator.skipDescendants(); continue }
            let values = try url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            if values.isDirectory == true && values.isSymbolicLink != true { continue }
            files.append(try entry(url))
        }
        return files
    }

    public func read(_ paths: [String], maxSize: Int) async throws -> [String: Data] {
        var result: [String: Data] = [:]
        for path in paths {
            let url = root.appendingPathComponent(path)
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            if size > maxSize { throw RenderError(file: path, message: "the file is \(size) bytes, over the limit of \(maxSize)") }
            result[path] = try Data(contentsOf: url)
        }
        return result
    }

    public func materialize(into directory: URL) async throws {
        let fm = FileManager.default
        try? fm.removeItem(at: directory)
        try fm.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(at: root, to: directory)
    }
}
