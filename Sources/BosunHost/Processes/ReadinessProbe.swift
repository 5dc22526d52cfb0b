import Foundation
import Subprocess
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The result of one probe: passed or not, and what happened, for health messages
/// (`GET http://127.0.0.1:8765/ → connection refused`).
struct ProbeResult: Sendable, Hashable {
    var passed: Bool
    var message: String
}

/// Runs readiness probes. Socket work blocks, so it runs on a Dispatch thread, never on the
/// cooperative pool; every step is bounded by the probe's timeout.
enum ReadinessProbe {
    static func run(_ probe: ProbeSpec, workingDirectory: String, environment: [String: String]) async -> ProbeResult {
        let outcome: Result<String, ProbeFailure>
        switch probe.check {
        case .httpGet(let host, let port, let path):
            outcome = await onBackgroundThread { httpGet(host: host, port: port, path: path, timeout: probe.timeout) }
        case .tcpSocket(let host, let port):
            outcome = await onBackgroundThread {
                connect(host: host, port: port, timeout: probe.timeout).map { fd in
                    _ = systemClose(fd)
                    return "connected"
                }
            }
        case .exec(let command):
            outcome = await exec(command, workingDirectory: workingDirectory, environment: environment, timeout: probe.timeout)
        }
        switch outcome {
        case .success(let detail): return ProbeResult(passed: true, message: "\(probe.summary) → \(detail)")
        case .failure(let failure): return ProbeResult(passed: false, message: "\(probe.summary) → \(failure.reason)")
        }
    }

    struct ProbeFailure: Error {
        var reason: String
    }

    private static func onBackgroundThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    // MARK: TCP and HTTP

    /// A connected, blocking socket to `host:port`, or why not.
    static func connect(host: String, port: Int, timeout: Duration, deadline: ContinuousClock.Instant? = nil) -> Result<Int32, ProbeFailure> {
        let deadline = deadline ?? ContinuousClock.now + timeout
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let lookup = getaddrinfo(host, String(port), &hints, &list)
        guard lookup == 0, let first = list else {
            return .failure(ProbeFailure(reason: "cannot resolve \(host): \(String(cString: gai_strerror(lookup)))"))
        }
        defer { freeaddrinfo(list) }
        var lastError = ProbeFailure(reason: "no address for \(host)")
        var current: UnsafeMutablePointer<addrinfo>? = first
        while let address = current {
            current = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var result = Posix.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen)
            if result != 0 && errno == EINPROGRESS {
                guard wait(fd, for: Int16(POLLOUT), until: deadline) else {
                    _ = systemClose(fd)
                    lastError = ProbeFailure(reason: "timed out after \(timeout.shortText)")
                    continue
                }
                var code: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
                if code != 0 { errno = code }
                result = code == 0 ? 0 : -1
            }
            if result == 0 { return .success(fd) }
            lastError = ProbeFailure(reason: errno == ECONNREFUSED ? "connection refused" : Posix.describe(errno).lowercased())
            _ = systemClose(fd)
        }
        return .failure(lastError)
    }

    /// `GET path` over HTTP/1.1; passes on a 2xx or 3xx status, as Kubernetes probes do.
    static func httpGet(host: String, port: Int, path: String, timeout: Duration) -> Result<String, ProbeFailure> {
        let deadline = ContinuousClock.now + timeout
        let fd: Int32
        switch connect(host: host, port: port, timeout: timeout, deadline: deadline) {
        case .success(let connected): fd = connected
        case .failure(let failure): return .failure(failure)
        }
        defer { _ = systemClose(fd) }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(ProbeSpec.hostForURL(host)):\(port)\r\nUser-Agent: bosun-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        var bytes = Array(request.utf8)
        while !bytes.isEmpty {
            guard wait(fd, for: Int16(POLLOUT), until: deadline) else {
                return .failure(ProbeFailure(reason: "timed out after \(timeout.shortText) sending the request"))
            }
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .failure(ProbeFailure(reason: "sending the request failed: \(Posix.describe(errno).lowercased())"))
            }
            bytes.removeFirst(sent)
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while !response.contains(UInt8(ascii: "\n")) && response.count < 8192 {
            guard wait(fd, for: Int16(POLLIN), until: deadline) else {
                return .failure(ProbeFailure(reason: "no response within \(timeout.shortText)"))
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .failure(ProbeFailure(reason: "reading the response failed: \(Posix.describe(errno).lowercased())"))
            }
            if count == 0 { break }
            response.append(contentsOf: chunk[0..<count])
        }
        let statusLine = String(decoding: response.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            return .failure(ProbeFailure(reason: response.isEmpty ? "connection closed without a response" : "not an HTTP response"))
        }
        let text = parts.count > 2 ? "HTTP \(status) \(parts[2])" : "HTTP \(status)"
        return (200..<400).contains(status) ? .success(text) : .failure(ProbeFailure(reason: text))
    }

    private static func wait(_ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let milliseconds = Int32(max(1, min(Double(Int32.max), (left.secondsValue * 1000).rounded(.up))))
            let ready = poll(&entry, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }

    // MARK: exec

    /// Runs `command` in the process's folder and environment; passes on exit status 0.
    static func exec(_ command: [String], workingDirectory: String, environment: [String: String], timeout: Duration) async
        -> Result<String, ProbeFailure>
    {
        let env = Environment.custom(Dictionary(uniqueKeysWithValues: environment.compactMap { name, value in
            Environment.Key(rawValue: name).map { ($0, value) }
        }))
        let executable = ProcessLauncher.executable(for: command[0], in: workingDirectory)
        let arguments = Arguments(Array(command.dropFirst()))
        let directory = FilePath(workingDirectory)
        return await withTaskGroup(of: Result<String, ProbeFailure>?.self) { group in
            group.addTask {
                var options = PlatformOptions()
                options.processGroupID = 0
                do {
                    let result = try await Subprocess.run(
                        executable, arguments: arguments, environment: env, workingDirectory: directory,
                        platformOptions: options, output: .discarded, error: .discarded)
                    switch result.terminationStatus {
                    case .exited(0): return .success("exit status 0")
                    case .exited(let code): return .failure(ProbeFailure(reason: "exit status \(code)"))
                    case .signaled(let signal): return .failure(ProbeFailure(reason: "killed by \(SignalName.name(signal))"))
                    }
                } catch {
                    if Task.isCancelled { return nil }
                    return .failure(ProbeFailure(reason: "could not run: \(error)"))
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(ProbeFailure(reason: "did not finish within \(timeout.shortText)"))
        }
    }
}
