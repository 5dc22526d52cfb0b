/// Standard base64 (RFC 4648, padded) over bytes: SOPS values and armor decode thousands of
/// short strings per render, where going through `Data` and `String` costs more than the AES.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// The bytes of padded base64 text; nil when it is not (bad length, character or padding).
    static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        let count = text.count
        guard count % 4 == 0 else { return nil }
        if count == 0 { return [] }
        var out = [UInt8]()
        out.reserveCapacity(count / 4 * 3)
        var quad: (UInt32, Int) = (0, 0)
        var padding = 0
        for byte in text {
            if byte == UInt8(ascii: "=") {
                padding += 1
                guard padding <= 2 else { return nil }
                quad.0 <<= 6
                quad.1 += 1
            } else {
                let value = table[Int(byte)]
                guard value != 0xFF, padding == 0 else { return nil }
                quad.0 = quad.0 << 6 | UInt32(value)
                quad.1 += 1
            }
            if quad.1 == 4 {
                out.append(UInt8(truncatingIfNeeded: quad.0 >> 16))
                out.append(UInt8(truncatingIfNeeded: quad.0 >> 8))
                out.append(UInt8(truncatingIfNeeded: quad.0))
                quad = (0, 0)
            }
        }
        out.removeLast(padding)
        return out
    }

    /// Padded base64 text of `bytes`.
    static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            let value = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
            out.append(second == nil ? UInt8(ascii: "=") : alphabet[Int(value >> 6 & 63)])
            out.append(third == nil ? UInt8(ascii: "=") : alphabet[Int(value & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Collection where Element == UInt8, Index == Int {
    /// The first index of `needle` at or after `start`.
    func firstIndex(of needle: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, count >= needle.count else { return nil }
        var i = Swift.max(start, startIndex)
        let last = endIndex - needle.count
        while i <= last {
            if self[i] == first {
                var j = 1
                while j < needle.count && self[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
