/// The gRPC-Web trailer frame: the call's trailers sent in the body, since HTTP/1.1 responses to
/// browsers cannot carry real trailers.
///
/// gRPC-Web (PROTOCOL-WEB.md): a frame with flag `0x80`, whose payload is HTTP/1-style header lines
/// `key: value\r\n` with lower-case keys and **no** terminating blank line. It must be the last
/// frame of the response.
///
/// Line format written: `name: value\r\n`, one space after the colon, as PROTOCOL-WEB.md's
/// description and the sonora server write it. Envoy writes `name:value\r\n` with no space; every
/// known client trims, and ``parse(_:)`` accepts both.
public enum TrailerBlock {
    /// Appends a whole trailer frame, prefix included, to `buffer`.
    ///
    /// Lines are written in this order: `grpc-status`, `grpc-message` (percent-encoded with
    /// ``GRPCMessageEncoding``; left out when the message is empty), then `metadata` in the order
    /// given, with names lower-cased. Values are written as given; any CR or LF byte in a name or
    /// value is replaced by a space so that a value can never inject a line of its own.
    /// - Parameters:
    ///   - status: The call's final status.
    ///   - metadata: Further trailers, such as `grpc-status-details-bin` or custom keys. `-bin`
    ///     values must already be base64; text mode does not encode them a second time.
    ///   - buffer: Where the frame is appended.
    public static func append(
        status: GRPCStatus,
        metadata: [(name: String, value: String)],
        to buffer: inout [UInt8]
    ) {
        let prefixStart = buffer.count
        MessageFramer.appendPrefix(flags: MessageFramer.trailerFlag, length: 0, to: &buffer)
        let payloadStart = buffer.count

        appendASCII("grpc-status: ", to: &buffer)
        appendDecimal(status.code.rawValue, to: &buffer)
        appendCRLF(to: &buffer)
        if !status.message.isEmpty {
            appendASCII("grpc-message: ", to: &buffer)
            GRPCMessageEncoding.appendEncoded(status.message, to: &buffer)
            appendCRLF(to: &buffer)
        }
        for (name, value) in metadata {
            for byte in name.utf8 {
                buffer.append(lowercased(lineSafe(byte)))
            }
            buffer.append(UInt8(ascii: ":"))
            buffer.append(UInt8(ascii: " "))
            for byte in value.utf8 {
                buffer.append(lineSafe(byte))
            }
            appendCRLF(to: &buffer)
        }

        MessageFramer.patchLength(buffer.count - payloadStart, prefixAt: prefixStart, in: &buffer)
    }

    /// Parses a trailer block (the payload of a trailer frame, without its 5-byte prefix).
    ///
    /// Lenient, because peers differ: accepts `k:v` and `k: v`, trims spaces and tabs around names
    /// and values, accepts a bare LF as a line end and a last line with no line end, skips empty
    /// lines and lines without a colon. Names are lower-cased; values are returned as written (a
    /// `grpc-message` value is still percent-encoded). Bytes that are not UTF-8 are repaired.
    /// - Parameter payload: The trailer frame's payload.
    /// - Returns: The `(name, value)` pairs in order of appearance; duplicates are kept.
    public static func parse(_ payload: [UInt8]) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        var lineStart = 0
        let end = payload.count
        while lineStart < end {
            var lineEnd = lineStart
            while lineEnd < end && payload[lineEnd] != UInt8(ascii: "\n") {
                lineEnd += 1
            }
            let nextLine = lineEnd + 1
            if lineEnd > lineStart && payload[lineEnd - 1] == UInt8(ascii: "\r") {
                lineEnd -= 1
            }
            if let colon = payload[lineStart..<lineEnd].firstIndex(of: UInt8(ascii: ":")) {
                let name = trimmed(payload[lineStart..<colon]).map(lowercased)
                let value = trimmed(payload[(colon + 1)..<lineEnd])
                if !name.isEmpty {
                    fields.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
                }
            }
            lineStart = nextLine
        }
        return fields
    }

    /// The slice without leading and trailing spaces and tabs.
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            slice.removeFirst()
        }
        while let last = slice.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            slice.removeLast()
        }
        return slice
    }

    @inline(__always)
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// Maps CR and LF to a space so a field cannot end its line early.
    @inline(__always)
    private static func lineSafe(_ byte: UInt8) -> UInt8 {
        byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") ? UInt8(ascii: " ") : byte
    }

    private static func appendASCII(_ text: StaticString, to buffer: inout [UInt8]) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    private static func appendCRLF(to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\r"))
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Appends a non-negative integer in decimal without going through `String`.
    private static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        precondition(value >= 0)
        if value >= 10 {
            appendDecimal(value / 10, to: &buffer)
        }
        buffer.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
