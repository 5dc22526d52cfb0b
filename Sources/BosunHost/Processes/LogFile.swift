import Foundation
import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A process's log: output is appended, and the file is rotated to `<name>.log.1` (replacing the
/// previous one) before it would grow past `limit` bytes, so a chatty process cannot fill the disk.
/// Shared by every run of the process, and safe to append to from several threads.
final class LogFile: Sendable {
    let path: String
    let limit: Int

    private struct State {
        var fd: Int32 = -1
        var size = 0
    }

    private let state = Mutex(State())

    init(path: String, limit: Int) {
        self.path = path
        self.limit = max(1, limit)
    }

    deinit {
        state.withLock { if $0.fd >= 0 { _ = systemClose($0.fd) } }
    }

    /// The previous log, kept after a rotation.
    var rotatedPath: String { path + ".1" }

    /// Appends `bytes`, rotating first whenever the file would pass the limit. Errors are dropped:
    /// a full disk must not stop the process whose output this is.
    func append(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            var offset = 0
            while offset < bytes.count {
                if state.fd < 0 { openFile(&state) }
                guard state.fd >= 0 else { return }
                let room = limit - state.size
                if room <= 0 {
                    rotate(&state)
                    continue
                }
                let count = min(room, bytes.count - offset)
                let written = Posix.write(state.fd, bytes.baseAddress.map { $0 + offset }, count)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
                state.size += written
            }
        }
    }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Closes the file; the next append opens it again.
    func close() {
        state.withLock { state in
            if state.fd >= 0 { _ = systemClose(state.fd) }
            state.fd = -1
        }
    }

    private func openFile(_ state: inout State) {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return }
        var info = stat()
        state.size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        state.fd = fd
    }

    private func rotate(_ state: inout State) {
        if state.fd >= 0 { _ = systemClose(state.fd) }
        state.fd = -1
        _ = rename(path, rotatedPath)
        openFile(&state)
        // When the rename failed the file is still full; write on rather than spin.
        if state.size >= limit { state.size = 0 }
    }

    /// The last `count` lines of the log at `path` (and of its rotated predecessor when the
    /// current file is shorter), for health messages.
    static func tail(_ path: String, lines count: Int) -> [String] {
        var lines = lastLines(of: path, count: count)
        if lines.count < count {
            lines = lastLines(of: path + ".1", count: count - lines.count) + lines
        }
        return lines
    }

    private static func lastLines(of path: String, count: Int, window: Int = 16 << 10) -> [String] {
        guard count > 0, let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end > 0 else { return [] }
        let start = end > UInt64(window) ? end - UInt64(window) : 0
        try? handle.seek(toOffset: start)
        guard let data = try? handle.readToEnd() else { return [] }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        // The first line of a window that does not start the file may be cut; drop it.
        if start > 0, !lines.isEmpty { lines.removeFirst() }
        return Array(lines.suffix(count))
    }
}
