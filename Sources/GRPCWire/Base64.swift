/// Base64 encoding for gRPC-Web text mode (`application/grpc-web-text`).
///
/// gRPC-Web (PROTOCOL-WEB.md, text mode) uses the standard alphabet with padding (RFC 4648 §4).
/// Each chunk the gateway flushes is encoded on its own, so it is padded on its own and is always a
/// multiple of 4 characters, which the grpc-web JS client relies on when decoding as data arrives.
/// Decoding of request bodies is ``Base64StreamDecoder``.
public enum Base64 {
    /// Appends the padded standard-alphabet encoding of `bytes` to `output`.
    /// - Parameters:
    ///   - bytes: The bytes to encode.
    ///   - output: Receives ``encodedLength(_:)`` ASCII bytes.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        let count = bytes.count
        output.reserveCapacity(output.count + encodedLength(count))
        var index = 0
        while index + 3 <= count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(character(group >> 18))
            output.append(character(group >> 12))
            output.append(character(group >> 6))
            output.append(character(group))
            index += 3
        }
        switch count - index {
        case 1:
            let group = UInt32(bytes[index]) << 16
            output.append(character(group >> 18))
            output.append(character(group >> 12))
            output.append(UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        case 2:
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output.append(character(group >> 18))
            output.append(character(group >> 12))
            output.append(character(group >> 6))
            output.append(UInt8(ascii: "="))
        default:
            break
        }
    }

    /// Appends the padded standard-alphabet encoding of `bytes` to `output`.
    public static func encode(_ bytes: [UInt8], into output: inout [UInt8]) {
        bytes.withUnsafeBytes { encode($0, into: &output) }
    }

    /// The number of characters the padded encoding of `count` bytes takes: 4 per started group of 3.
    public static func encodedLength(_ count: Int) -> Int {
        (count + 2) / 3 * 4
    }

    /// The alphabet character for the low 6 bits of `sextet` (RFC 4648 Table 1).
    @inline(__always)
    private static func character(_ sextet: UInt32) -> UInt8 {
        let value = UInt8(truncatingIfNeeded: sextet & 0x3F)
        switch value {
        case 0..<26: return UInt8(ascii: "A") + value
        case 26..<52: return UInt8(ascii: "a") + value - 26
        case 52..<62: return UInt8(ascii: "0") + value - 52
        case 62: return UInt8(ascii: "+")
        default: return UInt8(ascii: "/")
        }
    }
}
