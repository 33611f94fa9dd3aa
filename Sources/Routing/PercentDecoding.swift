/// Percent-decoding (RFC 3986 §2.1) with the two rules `google.api.http` path variables need, and
/// the `+` rule of query strings.
///
/// protocols.md B5 (from `google/api/http.proto`, "Path template syntax"):
/// - a variable that matches **one** segment (`{name}`, `{name=*}`) is decoded fully: the client
///   encoded every character except `[-_.~0-9a-zA-Z]`, so every `%XX` goes back;
/// - a variable that matches **several** segments (`{name=shelves/*}`, `{path=**}`) is decoded except
///   for `%2F`/`%2f`, which stay encoded, so a `/` inside one segment stays distinguishable from the
///   `/` between segments. (This is not RFC 6570 reserved expansion.)
///
/// An escape that is not `%` followed by two hex digits (`%zz`, a trailing `%4`) is refused rather
/// than kept literally: a client that sends it has a bug or is probing, and guessing what it meant
/// would bind a value it never encoded. grpc-gateway answers such paths with 400 too. A decoded value
/// that is not valid UTF-8 (`%FF`) is refused as well, because every value decoded here becomes a
/// protobuf `string` (or the text form of another scalar), and protobuf strings must be UTF-8.
public enum PercentDecoding {
    /// Which escapes are decoded.
    public enum Mode: Sendable, Hashable {
        /// Decode every `%XX` (single-segment path variables, query names and values).
        case all
        /// Decode every `%XX` except `%2F`/`%2f`, which are kept as written (multi-segment path
        /// variables).
        case allExceptSlash
    }

    /// Decodes a string.
    /// - Parameters:
    ///   - text: The encoded text.
    ///   - mode: Which escapes to decode.
    ///   - plusIsSpace: Whether `+` means a space, as in `application/x-www-form-urlencoded` query
    ///     strings (never in paths, where `+` is an ordinary sub-delimiter).
    /// - Returns: The decoded text.
    /// - Throws: ``RoutingError/Code/invalidPercentEncoding`` with the offset of the bad escape.
    public static func decode(_ text: some StringProtocol, mode: Mode, plusIsSpace: Bool = false)
        throws(RoutingError) -> String
    {
        var copy = String(text)
        // `withUTF8` rethrows untyped errors; a Result keeps the error typed.
        let result = copy.withUTF8 { buffer in
            Result { () throws(RoutingError) -> String in
                try decode(buffer[...], mode: mode, plusIsSpace: plusIsSpace)
            }
        }
        return try result.get()
    }

    /// Decodes a slice of UTF-8 bytes; the matcher calls this on slices of the request path, so a
    /// value is decoded straight into its result string with no intermediate copy when it has no
    /// escape at all.
    /// - Parameters:
    ///   - bytes: The encoded bytes.
    ///   - mode: Which escapes to decode.
    ///   - plusIsSpace: Whether `+` means a space.
    /// - Returns: The decoded text.
    /// - Throws: ``RoutingError/Code/invalidPercentEncoding`` with the offset (relative to the start of
    ///   `bytes`) of the bad escape.
    public static func decode(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, mode: Mode, plusIsSpace: Bool = false)
        throws(RoutingError) -> String
    {
        let base = bytes.startIndex
        // Fast path: nothing to decode, so the bytes (already valid UTF-8, as they come from a
        // Swift string) are the value.
        var needsWork = false
        for byte in bytes where byte == UInt8(ascii: "%") || (plusIsSpace && byte == UInt8(ascii: "+")) {
            needsWork = true
            break
        }
        if !needsWork {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, let high = hexValue(bytes[index + 1]),
                    let low = hexValue(bytes[index + 2])
                else {
                    throw badEscape(at: index - base)
                }
                let decoded = high << 4 | low
                if mode == .allExceptSlash && decoded == UInt8(ascii: "/") {
                    output.append(contentsOf: bytes[index...(index + 2)])
                } else {
                    output.append(decoded)
                }
                index += 3
            } else if plusIsSpace && byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
                index += 1
            } else {
                output.append(byte)
                index += 1
            }
        }
        guard let text = String(validating: output, as: UTF8.self) else {
            throw RoutingError(
                code: .invalidPercentEncoding,
                message: "percent-encoded bytes are not valid UTF-8"
            )
        }
        return text
    }

    /// The value of one hex digit, or `nil`.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The error for a `%` that does not start a valid escape.
    private static func badEscape(at offset: Int) -> RoutingError {
        RoutingError(
            code: .invalidPercentEncoding,
            message: "'%' not followed by two hex digits at offset \(offset)",
            offset: offset
        )
    }
}
