import BosunCore
import CompressNIO
import Foundation
import NIOCore

/// A chart archive (`.tgz`) read strictly into memory: gzip, then ustar/GNU tar. Paths that
/// leave the archive (`..`, absolute), links (symbolic or hard) that point outside it, device
/// files, and more than `maxUnpackedBytes` are refused, naming the archive.
public struct TarArchive: Sendable {
    public static let maxUnpackedBytes = 20 << 20

    /// Regular files by path (`/`-separated, no leading `./`), in archive order.
    public var files: [(path: String, data: Data)]

    /// Unpacks `data`; `name` names the archive in errors.
    public init(gzipped data: Data, name: String, maxUnpackedBytes: Int = TarArchive.maxUnpackedBytes) throws(ChartError) {
        guard data.count >= 2, data[data.startIndex] == 0x1f, data[data.startIndex + 1] == 0x8b else {
            throw ChartError(.invalid, "\(name) is not a gzip archive (a chart is a .tgz)")
        }
        var buffer = ByteBuffer(bytes: data)
        let tar: ByteBuffer
        do {
            // A tar has 1 KiB of end blocks and a header per file beyond the content limit.
            tar = try buffer.decompress(with: .gzip(), maxSize: maxUnpackedBytes + (1 << 20))
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw ChartError(.invalid, "\(name) unpacks to more than \(maxUnpackedBytes >> 20) MiB; Bosun refuses charts that large")
        } catch {
            throw ChartError(.invalid, "\(name) is not a valid gzip archive: \(error)")
        }
        files = try Self.read(tar: Array(buffer: tar), name: name, maxUnpackedBytes: maxUnpackedBytes)
    }

    static func read(tar bytes: [UInt8], name: String, maxUnpackedBytes: Int) throws(ChartError) -> [(path: String, data: Data)] {
        var files: [(path: String, data: Data)] = []
        var links: [(path: String, target: String, hard: Bool)] = []
        var offset = 0
        var total = 0
        var longName: String?
        var paxPath: String?
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<offset + 512]
            if header.allSatisfy({ $0 == 0 }) { break }
            guard let size = octal(header, 124, 12) else { throw ChartError(.invalid, "\(name) is not a valid tar archive (bad size field)") }
            let type = header[offset + 156]
            let contentStart = offset + 512
            guard size >= 0, contentStart + size <= bytes.count else {
                throw ChartError(.invalid, "\(name) is truncated (a file runs past the end of the archive)")
            }
            let content = bytes[contentStart..<contentStart + size]
            offset = contentStart + (size + 511) / 512 * 512
            var path = longName ?? paxPath ?? headerPath(header)
            longName = nil
            paxPath = nil
            switch type {
            case UInt8(ascii: "L"):
                longName = String(decoding: content.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case UInt8(ascii: "x"):
                paxPath = paxValue(Array(content), key: "path")
                continue
            case UInt8(ascii: "g"):
                continue
            default: break
            }
            path = try clean(path, archive: name)
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                total += size
                if total > maxUnpackedBytes {
                    throw ChartError(.invalid, "\(name) unpacks to more than \(maxUnpackedBytes >> 20) MiB; Bosun refuses charts that large")
                }
                if !path.isEmpty { files.append((path, Data(content))) }
            case UInt8(ascii: "5"):
                continue
            case UInt8(ascii: "1"), UInt8(ascii: "2"):
                links.append((path, field(header, 157, 100), type == UInt8(ascii: "1")))
            default:
                throw ChartError(.invalid, "\(name) holds \(path), which is not a regular file, folder or link; Bosun refuses it")
            }
        }
        // Links must stay inside the archive; a chart is read as files, so a link inside is dropped.
        for link in links {
            let base = link.hard ? [] : link.path.split(separator: "/").dropLast().map(String.init)
            if link.target.hasPrefix("/") || !stays(inside: base, link.target) {
                throw ChartError(.invalid, "\(name): \(link.path) links to \(link.target), outside the chart; Bosun refuses it")
            }
        }
        return files
    }

    static func headerPath(_ header: ArraySlice<UInt8>) -> String {
        let name = field(header, 0, 100)
        let magic = field(header, 257, 6)
        if magic.hasPrefix("ustar") {
            let prefix = field(header, 345, 155)
            if !prefix.isEmpty { return prefix + "/" + name }
        }
        return name
    }

    static func field(_ header: ArraySlice<UInt8>, _ at: Int, _ length: Int) -> String {
        let start = header.startIndex + at
        return String(decoding: header[start..<start + length].prefix { $0 != 0 }, as: UTF8.self)
    }

    static func octal(_ header: ArraySlice<UInt8>, _ at: Int, _ length: Int) -> Int? {
        let start = header.startIndex + at
        let raw = header[start..<start + length]
        if let first = raw.first, first & 0x80 != 0 {
            // GNU base-256 size: too large for a chart anyway.
            return Int.max / 2
        }
        let text = String(decoding: raw.prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return 0 }
        return Int(text, radix: 8)
    }

    /// `path=...` from a PAX extended header.
    static func paxValue(_ content: [UInt8], key: String) -> String? {
        for line in String(decoding: content, as: UTF8.self).split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let record = line[line.index(after: space)...]
            if record.hasPrefix(key + "=") { return String(record.dropFirst(key.count + 1)) }
        }
        return nil
    }

    /// `./a/b` → `a/b`; `..`, absolute paths are refused.
    static func clean(_ path: String, archive: String) throws(ChartError) -> String {
        if path.hasPrefix("/") { throw ChartError(.invalid, "\(archive) holds the absolute path \(path); Bosun refuses it") }
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { throw ChartError(.invalid, "\(archive) holds \(path), which leaves the chart (../); Bosun refuses it") }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    static func stays(inside base: [String], _ target: String) -> Bool {
        var parts = base
        for part in target.split(separator: "/") where part != "." {
            if part == ".." {
                if parts.isEmpty { return false }
                parts.removeLast()
            } else {
                parts.append(String(part))
            }
        }
        return true
    }

    /// The single top folder charts are packed under (`podinfo/`), when there is one.
    public var topFolder: String? {
        let tops = Set(files.map { $0.path.split(separator: "/").first.map(String.init) ?? "" })
        return tops.count == 1 && files.allSatisfy({ $0.path.contains("/") }) ? tops.first : nil
    }

    /// Writes the files under `directory` (created), dropping the top folder when `stripTop`.
    public func write(to directory: URL, strippingTop stripTop: Bool) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let top = stripTop ? topFolder : nil
        for (path, data) in files {
            let relative = top.map { String(path.dropFirst($0.count + 1)) } ?? path
            guard !relative.isEmpty else { continue }
            let url = directory.appendingPathComponent(relative)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
    }
}
