import BosunCore
import NIOCore

/// Compact JSON straight into a `ByteBuffer`: the form every response body and watch event
/// takes, written without an intermediate `String` because it runs on every request.
enum JSONEncoding {
    static func buffer(_ value: JSONValue, capacity: Int = 1024) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        write(value, into: &buffer)
        return buffer
    }

    static func write(_ value: JSONValue, into buffer: inout ByteBuffer) {
        switch value {
        case .null: buffer.writeStaticString("null")
        case .bool(let b):
            if b { buffer.writeStaticString("true") } else { buffer.writeStaticString("false") }
        case .int(let i): buffer.writeString(String(i))
        case .double(let d): buffer.writeString(format(d))
        case .string(let s): writeString(s, into: &buffer)
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                write(element, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .object(let object):
            buffer.writeInteger(UInt8(ascii: "{"))
            var first = true
            for entry in object {
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                writeString(entry.key, into: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                write(entry.value, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        }
    }

    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d.rounded() == d && abs(d) < 1e15 { return String(Int(d)) }
        return "\(d)"
    }

    static func writeString(_ s: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var clean = true
        for byte in s.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            clean = false
            break
        }
        if clean {
            buffer.writeString(s)
        } else {
            for byte in s.utf8 {
                switch byte {
                case 0x22: buffer.writeStaticString("\\\"")
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0..<0x20:
                    let hex = String(byte, radix: 16)
                    buffer.writeString("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// Compact JSON bytes, as the simulator sends them.
    var jsonBuffer: ByteBuffer { JSONEncoding.buffer(self) }
}
