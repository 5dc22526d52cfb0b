import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Watches folders with inotify and says when anything in them changed, so a File edited or
/// deleted on disk is looked at within milliseconds instead of at the next poll. Reading runs
/// on a thread of its own (never on Swift's concurrency pool). Where inotify is not available
/// (another OS, the watch limit reached) `isActive` is false and the caller keeps polling.
final class DirectoryWatcher: Sendable {
    private struct State {
        var watches: [String: Int32] = [:]
        var stopped = false
    }

    private let fd: Int32
    private let state = Mutex(State())
    private let continuation: AsyncStream<Void>.Continuation
    /// One element per burst of changes (coalesced: a slow reader sees the latest only).
    let changes: AsyncStream<Void>

    init() {
        (changes, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        #if os(Linux)
            fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        #else
            fd = -1
        #endif
        if fd >= 0 {
            let thread = Thread { [self] in self.readLoop() }
            thread.name = "bosun-inotify"
            thread.start()
        } else {
            continuation.finish()
        }
    }

    #if os(Linux)
        private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
    #endif

    var isActive: Bool { fd >= 0 && !state.withLock(\.stopped) }

    /// Watches exactly `folders` (those that exist); returns false when one could not be
    /// watched (polling must cover it).
    @discardableResult
    func watch(_ folders: Set<String>) -> Bool {
        #if os(Linux)
            guard fd >= 0 else { return false }
            return state.withLock { state in
                var complete = true
                for (folder, wd) in state.watches where !folders.contains(folder) {
                    inotify_rm_watch(fd, wd)
                    state.watches[folder] = nil
                }
                for folder in folders where state.watches[folder] == nil {
                    let wd = inotify_add_watch(fd, folder, Self.mask)
                    if wd >= 0 { state.watches[folder] = wd } else { complete = false }
                }
                return complete
            }
        #else
            return false
        #endif
    }

    /// Watches one more folder (a File was just written there).
    func add(_ folder: String) {
        #if os(Linux)
            guard fd >= 0 else { return }
            state.withLock { state in
                guard state.watches[folder] == nil else { return }
                let wd = inotify_add_watch(fd, folder, Self.mask)
                if wd >= 0 { state.watches[folder] = wd }
            }
        #endif
    }

    func stop() {
        let wasRunning = state.withLock { state in
            defer { state.stopped = true }
            return !state.stopped
        }
        if wasRunning, fd < 0 { continuation.finish() }
    }

    /// Waits for events with a short timeout so `stop()` is noticed; drains them and signals once.
    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var pending = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !state.withLock(\.stopped) {
            pending.revents = 0
            let ready = poll(&pending, 1, 250)
            guard ready > 0 else { continue }
            var any = false
            while read(fd, &buffer, buffer.count) > 0 { any = true }
            if any { continuation.yield() }
        }
        state.withLock { state in
            for wd in state.watches.values { inotify_rm_watch(fd, wd) }
            state.watches = [:]
        }
        close(fd)
        continuation.finish()
    }

    deinit { stop() }
}
