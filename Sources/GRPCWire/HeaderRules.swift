/// Which request header names a gRPC proxy may forward to the backend.
///
/// An HTTP/1.1 frontend request carries connection-level headers that mean nothing on the
/// backend's HTTP/2 connection (RFC 9113 §8.2.2 forbids them there), and gRPC reserves the
/// `grpc-` prefix for itself (gRPC over HTTP/2, PROTOCOL-HTTP2.md). All functions take names
/// already lower-cased.
public enum HeaderRules {
    /// True for HTTP/1.1 hop-by-hop and framing headers, which are never forwarded: `connection`,
    /// `keep-alive`, `proxy-connection`, `transfer-encoding`, `upgrade` (RFC 9113 §8.2.2 makes them
    /// malformed in HTTP/2), `te` (the backend request sets its own `te: trailers`), `host`
    /// (becomes `:authority`), `content-length` (HTTP/2 framing replaces it), `http2-settings`,
    /// `trailer` and `trailers`.
    ///
    /// Names listed in a request's `Connection` header are hop-by-hop too (RFC 9110 §7.6.1); the
    /// caller must check those separately.
    public static func isHopByHop(_ lowercasedName: String) -> Bool {
        switch lowercasedName {
        case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "host",
            "content-length", "http2-settings", "trailer", "trailers":
            true
        default:
            false
        }
    }

    /// True for names a frontend client may not set on the backend call: everything starting with
    /// `grpc-` (reserved by PROTOCOL-HTTP2.md) except `grpc-timeout`, which clients legitimately
    /// send (the grpc-web JS client always does) and the gateway re-encodes.
    public static func isReservedForwardingBlocked(_ lowercasedName: String) -> Bool {
        let utf8 = lowercasedName.utf8
        guard utf8.starts(with: "grpc-".utf8) else {
            return false
        }
        return lowercasedName != "grpc-timeout"
    }

    /// True if the name is a valid gRPC metadata key: one or more of `[0-9a-z_.-]`
    /// (PROTOCOL-HTTP2.md, "Header-Name"). Upper-case letters are rejected, so lower-case first.
    public static func isValidMetadataKey(_ lowercasedName: String) -> Bool {
        let utf8 = lowercasedName.utf8
        return !utf8.isEmpty
            && utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                    true
                default:
                    false
                }
            }
    }
}
