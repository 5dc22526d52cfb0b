import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Copies a process's output from the read end of its pipe into its log file until every writer
/// (the process and any child it left behind) has closed the pipe. Runs on its own thread so a
/// blocking read never holds one of the few cooperative threads.
enum LogPump {
    /// Starts pumping `fd` into `log`; closes `fd` at the end of the output.
    static func start(reading fd: Int32, into log: LogFile, name: String) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let count = buffer.withUnsafeMutableBytes { Posix.read(fd, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    break
                }
                if count == 0 { break }
                buffer.withUnsafeBytes { log.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            }
            close(fd)
        }
        thread.name = "bosun-log-\(name)"
        thread.stackSize = 256 << 10
        thread.start()
    }
}
