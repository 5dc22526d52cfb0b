import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the kernel's process table (`/proc`) to tell a process Bosun started from another that
/// later got the same pid, and to find what is left of a process group.
enum ProcessTable {
    struct Entry: Sendable, Hashable {
        var pid: Int32
        /// `R`, `S`, `Z` (zombie: exited, not yet reaped)...
        var state: Character
        var processGroup: Int32
        /// Clock ticks since boot when the process started; with the pid, it names one process.
        var startTime: UInt64

        var isZombie: Bool { state == "Z" || state == "X" }
    }

    /// The process `pid`, or nil when there is none.
    static func entry(_ pid: Int32) -> Entry? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return parse(text, pid: pid)
    }

    /// `/proc/<pid>/stat`: `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses,
    /// so fields are counted from the last `)`.
    static func parse(_ text: String, pid: Int32) -> Entry? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state); field N is fields[N - 3].
        guard fields.count > 19, let state = fields[0].first, let group = Int32(fields[2]), let start = UInt64(fields[19]) else {
            return nil
        }
        return Entry(pid: pid, state: state, processGroup: group, startTime: start)
    }

    /// Live (not zombie) members of process group `group`.
    static func members(ofGroup group: Int32) -> [Entry] {
        guard group > 1 else { return [] }
        #if os(Linux)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
            return names.compactMap { name -> Entry? in
                guard let pid = Int32(name), let entry = entry(pid), entry.processGroup == group, !entry.isZombie else { return nil }
                return entry
            }
        #else
            // Without /proc, a signal 0 tells whether anything is left in the group.
            return kill(-group, 0) == 0 ? [Entry(pid: group, state: "R", processGroup: group, startTime: 0)] : []
        #endif
    }

    /// Whether `pid` is still the process that started at `startTime` and has not exited.
    static func isAlive(pid: Int32, startTime: UInt64) -> Bool {
        guard let entry = entry(pid) else { return false }
        return !entry.isZombie && (startTime == 0 || entry.startTime == startTime)
    }
}

/// Stops a process group: the stop signal to every member, then SIGKILL to whatever is still
/// there when the timeout is up. Waits in real time, whatever clock the supervisor uses.
enum ProcessGroupStopper {
    /// Signals group `group` (led by a process Bosun started) and waits until none of it is left.
    /// `leaderExit`, when given, finishes when the leader has been reaped.
    static func stop(group: Int32, signal: Int32, timeout: Duration, leaderExit: Task<ExitStatus, Never>?) async {
        guard group > 1 else { return }
        _ = kill(-group, signal)
        let deadline = ContinuousClock.now + timeout
        if await waitUntilGone(group: group, leaderExit: leaderExit, deadline: deadline) { return }
        _ = kill(-group, SIGKILL)
        _ = await waitUntilGone(group: group, leaderExit: leaderExit, deadline: ContinuousClock.now + .seconds(5))
    }

    /// Waits until the leader is reaped and no member is left, or the deadline passes.
    private static func waitUntilGone(group: Int32, leaderExit: Task<ExitStatus, Never>?, deadline: ContinuousClock.Instant) async -> Bool {
        var pause = Duration.milliseconds(5)
        while ContinuousClock.now < deadline {
            if ProcessTable.members(ofGroup: group).isEmpty {
                if let leaderExit { _ = await leaderExit.value }
                return true
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(100))
        }
        return ProcessTable.members(ofGroup: group).isEmpty
    }

    /// Stops what is left of a process group Bosun started in an earlier run (found in its state):
    /// only when the leader is still the same process (pid and start time), or, when the leader
    /// is gone, members that started after it. A pid reused by another program is never touched.
    static func stopLeftover(group: Int32, startTime: UInt64, signal: Int32, timeout: Duration) async -> Bool {
        guard group > 1 else { return false }
        let members = ProcessTable.members(ofGroup: group)
        if let leader = ProcessTable.entry(group), !leader.isZombie {
            guard leader.startTime == startTime, leader.processGroup == group else { return false }
            await stop(group: group, signal: signal, timeout: timeout, leaderExit: nil)
            return true
        }
        let ours = members.filter { $0.startTime >= startTime }
        guard !ours.isEmpty else { return false }
        for member in ours { _ = kill(member.pid, signal) }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, ours.contains(where: { ProcessTable.isAlive(pid: $0.pid, startTime: $0.startTime) }) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for member in ours where ProcessTable.isAlive(pid: member.pid, startTime: member.startTime) { _ = kill(member.pid, SIGKILL) }
        return true
    }
}

extension ProcessGroupStopper {
    /// After a leader exited by itself: stops any member of its group still running. Does
    /// nothing when the group is empty (so a pid reused since is never signalled).
    static func stopRemains(group: Int32, signal: Int32, timeout: Duration) async {
        guard !ProcessTable.members(ofGroup: group).isEmpty else { return }
        await stop(group: group, signal: signal, timeout: timeout, leaderExit: nil)
    }
}
