/// Bech32 (BIP 173) without its length limit, as age spells keys: `age1…` recipients and
/// `AGE-SECRET-KEY-1…` identities. A string is all lowercase or all uppercase; the checksum is
/// always computed over the lowercase form.
enum Bech32 {
    static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]

    static func polymod(_ values: [UInt8]) -> UInt32 {
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { checksum ^= generator[i] }
        }
        return checksum
    }

    static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// `hrp` (any case; the output takes it) followed by `1`, the data and the checksum.
    static func encode(hrp: String, data: [UInt8]) -> String {
        let upper = hrp.contains { $0.isUppercase }
        let lowerHRP = Array(hrp.lowercased().utf8)
        let values = convertBits(data, from: 8, to: 5, pad: true) ?? []
        let check = polymod(expand(lowerHRP) + values + [0, 0, 0, 0, 0, 0]) ^ 1
        var out = lowerHRP + [UInt8(ascii: "1")]
        for value in values { out.append(charset[Int(value)]) }
        for i in 0..<6 { out.append(charset[Int((check >> UInt32(5 * (5 - i))) & 31)]) }
        let text = String(decoding: out, as: UTF8.self)
        return upper ? text.uppercased() : text
    }

    /// The human-readable part (lowercased) and the 8-bit data; nil when the string is not valid Bech32.
    static func decode(_ text: String) -> (hrp: String, data: [UInt8])? {
        let hasLower = text.contains { $0.isLowercase }
        let hasUpper = text.contains { $0.isUppercase }
        guard !(hasLower && hasUpper), text.allSatisfy({ $0.isASCII }) else { return nil }
        let bytes = Array(text.lowercased().utf8)
        guard let separator = bytes.lastIndex(of: UInt8(ascii: "1")), separator >= 1, bytes.count - separator - 1 >= 6 else { return nil }
        let hrp = Array(bytes[..<separator])
        guard hrp.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { return nil }
        var values: [UInt8] = []
        values.reserveCapacity(bytes.count - separator - 1)
        for byte in bytes[(separator + 1)...] {
            guard let index = charset.firstIndex(of: byte) else { return nil }
            values.append(UInt8(index))
        }
        guard polymod(expand(hrp) + values) == 1 else { return nil }
        guard let data = convertBits(Array(values.dropLast(6)), from: 5, to: 8, pad: false) else { return nil }
        return (String(decoding: hrp, as: UTF8.self), data)
    }

    /// Regroups bits; without padding, leftover bits must be fewer than `from` and zero.
    static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        var out: [UInt8] = []
        let maxValue = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { return nil }
            accumulator = (accumulator << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((accumulator >> bits) & maxValue))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((accumulator << (to - bits)) & maxValue)) }
        } else if bits >= from || (accumulator << (to - bits)) & maxValue != 0 {
            return nil
        }
        return out
    }
}
