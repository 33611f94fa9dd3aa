/// A gRPC call's final status: a code plus a human-readable message.
///
/// This is what travels in `grpc-status` / `grpc-message` (gRPC over HTTP/2, PROTOCOL-HTTP2.md).
/// The message here is always the *decoded* text; percent-encoding is applied only on the wire by
/// ``GRPCMessageEncoding``. It conforms to `Error` so the gateway can throw the status it means to
/// send.
public struct GRPCStatus: Sendable, Equatable, Error {
    /// The status code.
    public var code: GRPCStatusCode
    /// The decoded `grpc-message` text; empty when the peer sent none.
    public var message: String

    /// Creates a status.
    /// - Parameters:
    ///   - code: The status code.
    ///   - message: Decoded, human-readable detail; empty by default.
    public init(_ code: GRPCStatusCode, _ message: String = "") {
        self.code = code
        self.message = message
    }

    /// The success status, `OK` with no message.
    public static let ok = GRPCStatus(.ok)

    /// Parses a received `grpc-status` value.
    ///
    /// PROTOCOL-HTTP2.md: "grpc-status: a decimal number without leading zeros". So `"0"` is valid
    /// but `"00"`, `"07"`, `"+1"`, `" 1"` and `""` are not; values above 16 are not codes we know.
    /// A caller that gets `nil` should treat the status as missing or invalid (B2/B3 in the
    /// gateway's protocol notes) rather than guess.
    /// - Parameter value: The header value exactly as received.
    /// - Returns: The code, or `nil` if the value is not a canonical decimal in 0...16.
    public static func parseCode(_ value: String) -> GRPCStatusCode? {
        var utf8 = value.utf8.makeIterator()
        guard let first = utf8.next(), first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            return nil
        }
        var number = Int(first &- UInt8(ascii: "0"))
        guard let second = utf8.next() else {
            return GRPCStatusCode(rawValue: number)
        }
        // Two digits at most (16 is the largest code); a leading zero may not be followed by more.
        guard number != 0, second >= UInt8(ascii: "0"), second <= UInt8(ascii: "9"), utf8.next() == nil else {
            return nil
        }
        number = number * 10 + Int(second &- UInt8(ascii: "0"))
        return GRPCStatusCode(rawValue: number)
    }
}
