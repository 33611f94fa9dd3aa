/// Writes the 5-byte prefix that precedes every gRPC message.
///
/// gRPC over HTTP/2 (PROTOCOL-HTTP2.md, "Length-Prefixed-Message"): a 1-byte flag
/// (`Compressed-Flag`) then the message length as a 32-bit big-endian integer. gRPC-Web
/// (PROTOCOL-WEB.md) uses the same prefix and adds flag bit `0x80` for its trailer frame.
public enum MessageFramer {
    /// Bytes in a message prefix: one flag byte and four length bytes.
    public static let prefixLength = 5

    /// Flag for an uncompressed data message.
    public static let dataFlag: UInt8 = 0x00
    /// Flag bit for a compressed message (requires `grpc-encoding`).
    public static let compressedFlag: UInt8 = 0x01
    /// Flag bit marking a gRPC-Web trailer frame (PROTOCOL-WEB.md: "MSB set").
    public static let trailerFlag: UInt8 = 0x80

    /// Appends a message prefix to `buffer`.
    /// - Parameters:
    ///   - flags: `0x00` for data, `0x01` compressed, `0x80` a gRPC-Web trailer frame.
    ///   - length: The payload length that follows; must fit in a `UInt32`.
    ///   - buffer: Where the five bytes are appended.
    public static func appendPrefix(flags: UInt8, length: Int, to buffer: inout [UInt8]) {
        precondition(length >= 0 && length <= Int(UInt32.max), "gRPC message length must fit in 32 bits")
        let length = UInt32(truncatingIfNeeded: length)
        buffer.append(flags)
        buffer.append(UInt8(truncatingIfNeeded: length >> 24))
        buffer.append(UInt8(truncatingIfNeeded: length >> 16))
        buffer.append(UInt8(truncatingIfNeeded: length >> 8))
        buffer.append(UInt8(truncatingIfNeeded: length))
    }

    /// Overwrites the four length bytes of a prefix already in `buffer` at `prefixStart`, for
    /// writers that reserve the prefix first and learn the length after writing the payload.
    static func patchLength(_ length: Int, prefixAt prefixStart: Int, in buffer: inout [UInt8]) {
        precondition(length >= 0 && length <= Int(UInt32.max), "gRPC message length must fit in 32 bits")
        let length = UInt32(truncatingIfNeeded: length)
        buffer[prefixStart + 1] = UInt8(truncatingIfNeeded: length >> 24)
        buffer[prefixStart + 2] = UInt8(truncatingIfNeeded: length >> 16)
        buffer[prefixStart + 3] = UInt8(truncatingIfNeeded: length >> 8)
        buffer[prefixStart + 4] = UInt8(truncatingIfNeeded: length)
    }
}
