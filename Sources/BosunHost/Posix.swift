#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few system calls whose Swift names clash with methods here (`write`, `read`), and the
/// platform differences in `stat`, in one place.
enum Posix {
    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.write(fd, buffer, count)
        #else
            Darwin.write(fd, buffer, count)
        #endif
    }

    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.read(fd, buffer, count)
        #else
            Darwin.read(fd, buffer, count)
        #endif
    }

    static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
        #if canImport(Glibc)
            Glibc.connect(fd, address, length)
        #else
            Darwin.connect(fd, address, length)
        #endif
    }

    /// Modification and status-change times as (seconds, nanoseconds).
    static func times(_ info: stat) -> (modified: (Int64, Int64), changed: (Int64, Int64)) {
        #if os(Linux)
            ((Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)), (Int64(info.st_ctim.tv_sec), Int64(info.st_ctim.tv_nsec)))
        #else
            ((Int64(info.st_mtimespec.tv_sec), Int64(info.st_mtimespec.tv_nsec)),
             (Int64(info.st_ctimespec.tv_sec), Int64(info.st_ctimespec.tv_nsec)))
        #endif
    }

    /// The text of an errno value.
    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
