/// The percent-encoding of the `grpc-message` header and trailer.
///
/// gRPC over HTTP/2 (PROTOCOL-HTTP2.md, "grpc-message"): the message is UTF-8, then every byte
/// outside `%x20-24 / %x26-7E` (space and visible ASCII except `%`) is written as `%XX`. Decoders
/// "must not" fail on a bad encoding. Both directions return the input unchanged, without
/// allocating, when there is nothing to do, which is the common case for ASCII messages.
public enum GRPCMessageEncoding {
    /// Percent-encodes a status message for the wire.
    ///
    /// Hex digits are upper-case, as in grpc-core and grpc-go.
    /// - Parameter message: The plain message text.
    /// - Returns: The encoded value, safe to place in an HTTP/2 header or a gRPC-Web trailer line.
    public static func encode(_ message: String) -> String {
        if message.utf8.allSatisfy(isUnreserved) {
            return message
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.utf8.count * 3)
        appendEncoded(message, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes a received `grpc-message` value.
    ///
    /// Never fails, as PROTOCOL-HTTP2.md requires: a `%` not followed by two hex digits is kept as
    /// literal text, and a byte sequence that is not valid UTF-8 after decoding is repaired with
    /// U+FFFD replacement characters.
    /// - Parameter value: The header value as received.
    /// - Returns: The decoded message text.
    public static func decode(_ value: String) -> String {
        guard value.utf8.contains(UInt8(ascii: "%")) else {
            return value
        }
        var input = Array(value.utf8)
        var write = 0
        var read = 0
        let count = input.count
        // Decode in place: the output never outgrows the input.
        while read < count {
            let byte = input[read]
            if byte == UInt8(ascii: "%"), read + 2 < count,
                let high = hexValue(input[read + 1]), let low = hexValue(input[read + 2])
            {
                input[write] = high << 4 | low
                read += 3
            } else {
                input[write] = byte
                read += 1
            }
            write += 1
        }
        return String(decoding: input[..<write], as: UTF8.self)
    }

    /// Appends the percent-encoded UTF-8 of `message` to `buffer`, for writers (such as
    /// ``TrailerBlock``) that build bytes directly and need no intermediate `String`.
    static func appendEncoded(_ message: String, to buffer: inout [UInt8]) {
        for byte in message.utf8 {
            if isUnreserved(byte) {
                buffer.append(byte)
            } else {
                buffer.append(UInt8(ascii: "%"))
                buffer.append(upperHexDigit(byte >> 4))
                buffer.append(upperHexDigit(byte & 0x0F))
            }
        }
    }

    /// True for the bytes PROTOCOL-HTTP2.md leaves unencoded: `%x20-24 / %x26-7E`.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%")
    }

    @inline(__always)
    static func upperHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    /// The value of an ASCII hex digit in either case, or `nil`.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
