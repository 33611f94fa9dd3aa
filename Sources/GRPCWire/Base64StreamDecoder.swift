/// Decodes a gRPC-Web text (`application/grpc-web-text`) request body that arrives in pieces.
///
/// gRPC-Web (PROTOCOL-WEB.md, text mode): the body is base64 (RFC 4648 §4), and because a sender
/// may flush and pad each chunk on its own, padding can appear in the **middle** of the stream:
/// `"AAA=" + "AAAA"` is a valid body. So this decoder treats the stream as a sequence of 4-character
/// quanta, each of which may end in padding, and carries a partial quantum across calls; input can
/// be split anywhere.
///
/// Accepted input:
/// - the standard alphabet, and leniently the URL-safe `-` and `_` (RFC 4648 §5) as `+` and `/`;
/// - `=` only as the last one or two characters of a quantum;
/// - CR and LF are skipped anywhere (the JS client never sends them, but a hand-written client or
///   a line-wrapping encoder might). Every other byte, including spaces, is an error.
///
/// Non-zero bits left over in a padded quantum (`"QR=="` instead of `"QQ=="`) are ignored rather
/// than rejected. After a `decode` throws, the decoder's state is unspecified; drop the request.
public struct Base64StreamDecoder: Sendable {
    /// Why the body is not valid base64.
    public struct Failure: Error, Equatable, Sendable {
        /// Offset of the offending byte from the start of the whole stream (all calls counted), or
        /// the stream length when ``Base64StreamDecoder/finish()`` finds an incomplete quantum.
        public var offset: Int
        /// A fixed, greppable description of the problem.
        public var reason: String

        /// Creates a failure.
        public init(offset: Int, reason: String) {
            self.offset = offset
            self.reason = reason
        }
    }

    /// The sextets of the current quantum, packed most significant first.
    private var bits: UInt32 = 0
    /// Characters of the current quantum seen so far, padding included (0...3).
    private var filled = 0
    /// Padding characters seen in the current quantum (0...1 between calls).
    private var padding = 0
    /// Bytes of the stream consumed so far, for error offsets.
    private var streamOffset = 0

    /// Creates a decoder at the start of a stream.
    public init() {}

    /// Decodes the next piece of the stream.
    /// - Parameters:
    ///   - input: The next base64 characters, split anywhere.
    ///   - output: Receives the decoded bytes of every quantum completed so far.
    /// - Throws: ``Failure`` for a character outside the alphabet, padding at the first or second
    ///   position of a quantum, or a data character after padding within a quantum.
    public mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(Failure) {
        output.reserveCapacity(output.count + (input.count / 4 + 1) * 3)
        // Keep the hot state in locals; store it back once, on every exit path.
        var bits = self.bits
        var filled = self.filled
        var padding = self.padding
        let base = streamOffset
        defer {
            self.bits = bits
            self.filled = filled
            self.padding = padding
            self.streamOffset = base + input.count
        }
        for index in 0..<input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "=") {
                guard filled >= 2 else {
                    throw Failure(offset: base + index, reason: "padding before the third character of a quantum")
                }
                padding += 1
            } else if let value = Self.sextet(byte) {
                guard padding == 0 else {
                    throw Failure(offset: base + index, reason: "data character after padding in a quantum")
                }
                bits |= UInt32(value) << (18 - 6 * UInt32(filled))
            } else if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") {
                continue
            } else {
                throw Failure(offset: base + index, reason: "character outside the base64 alphabet")
            }
            filled += 1
            if filled == 4 {
                output.append(UInt8(truncatingIfNeeded: bits >> 16))
                if padding < 2 {
                    output.append(UInt8(truncatingIfNeeded: bits >> 8))
                }
                if padding < 1 {
                    output.append(UInt8(truncatingIfNeeded: bits))
                }
                bits = 0
                filled = 0
                padding = 0
            }
        }
    }

    /// Checks that the stream ended on a quantum boundary.
    /// - Throws: ``Failure`` if 1 to 3 characters of a quantum are left over, meaning the body was
    ///   truncated or its last chunk was not padded.
    public func finish() throws(Failure) {
        if filled != 0 {
            throw Failure(offset: streamOffset, reason: "stream ended inside a 4-character quantum")
        }
    }

    /// The 6-bit value of a base64 character, standard or URL-safe alphabet, or `nil`.
    @inline(__always)
    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
