import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure to read or write on the host, with the path and the system's reason.
struct HostIOError: Error, Sendable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    init(_ action: String, _ path: String, errno code: Int32 = errno) {
        message = "cannot \(action) \(path): \(Posix.describe(code))"
    }
    var description: String { message }
}

/// Writes files so a reader sees the old bytes or the new ones, never half of each: a temporary
/// file in the same folder, fsync, rename over the target, fsync of the folder.
enum AtomicFile {
    /// Writes `bytes` to `path` with exactly `mode` (the umask does not apply), creating parent
    /// folders. `checkFolder` runs once the folder exists, before anything is written into it
    /// (the host target checks there that it still resolves inside its root).
    static func write(
        _ bytes: [UInt8], to path: String, mode: UInt32, checkFolder: (String) throws(HostIOError) -> Void = { _ throws(HostIOError) in }
    ) throws(HostIOError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HostIOError("cannot create the folder \(folder): \(error.localizedDescription)")
        }
        try checkFolder(folder)
        let name = (path as NSString).lastPathComponent
        let temporary = "\(folder)/.\(name).bosun-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw HostIOError("create", temporary) }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do throws(HostIOError) {
            try writeAll(fd, bytes, path: temporary)
            guard fchmod(fd, mode_t(mode)) == 0 else { throw HostIOError("set the mode of", temporary) }
            guard fsync(fd) == 0 else { throw HostIOError("flush", temporary) }
            closed = true
            guard close(fd) == 0 else { throw HostIOError("close", temporary) }
            guard rename(temporary, path) == 0 else { throw HostIOError("replace", path) }
        } catch {
            unlink(temporary)
            throw error
        }
        syncFolder(folder)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(HostIOError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Posix.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw HostIOError("write", path)
            }
            offset += written
        }
    }

    /// Makes a rename durable. Best effort: some file systems refuse fsync on folders.
    static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Removes a file; a missing file is not an error.
    static func remove(_ path: String) throws(HostIOError) {
        if unlink(path) != 0 && errno != ENOENT { throw HostIOError("remove", path) }
    }
}

/// What is on disk at a path, read without following a symlink at the end.
enum DiskEntry: Sendable, Equatable {
    case file(bytes: [UInt8], mode: UInt32)
    case symlink(to: String)
    case directory
    case other

    /// The entry at `path`; nil when nothing is there.
    static func read(_ path: String) throws(HostIOError) -> DiskEntry? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw HostIOError("inspect", path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            return .symlink(to: target)
        case S_IFDIR: return .directory
        default: return .other
        }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw HostIOError("open", path)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Posix.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw HostIOError("read", path)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return .file(bytes: bytes, mode: UInt32(info.st_mode) & 0o7777)
    }
}

/// A cheap fingerprint of a path's metadata: when it is unchanged, the file was not touched,
/// so the drift poll reads bytes only when something moved.
struct FileSignature: Sendable, Hashable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var mode: UInt32
    var modified: Int64
    var modifiedNanos: Int64
    var changed: Int64
    var changedNanos: Int64

    /// nil when nothing is at `path`.
    static func of(_ path: String) -> FileSignature? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let times = Posix.times(info)
        return FileSignature(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size), mode: UInt32(info.st_mode),
            modified: times.modified.0, modifiedNanos: times.modified.1, changed: times.changed.0, changedNanos: times.changed.1)
    }
}
