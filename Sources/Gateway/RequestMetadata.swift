internal import Foundation
internal import Frontend
internal import GRPCWire

/// The headers a call sends to its backend, derived from the client's request.
///
/// gRPC-Web clients send custom metadata as ordinary HTTP headers, so every request header is
/// metadata except those that belong to the HTTP/1.1 hop (`Connection`, `Host`, …), to the
/// gRPC-Web framing (`Content-Type`, `Accept`), or to the gRPC protocol itself (`grpc-*`, which a
/// client may not set, except `grpc-timeout`). Names are lower-cased, as HTTP/2 requires.
struct RequestMetadata {
    /// Headers for the backend, in order: `grpc-timeout` (if any), `content-type`, metadata,
    /// then `x-forwarded-*`.
    var headers: [(name: String, value: String)] = []
    /// The call's deadline: the client's, capped by the route, or the route's default.
    var timeoutNanoseconds: Int64?
    /// The `:authority` to use: the client's `Host`, so name-based backends see the name the
    /// client used.
    var authority: String?

    /// The metadata key a request header becomes under `policy`, nil if it is not metadata.
    private static func metadataKey(_ name: String, policy: Policy) -> String? {
        switch policy {
        case .grpcWeb:
            return notMetadata.contains(name) ? nil : name
        case .rest(let forwarded):
            if name == "authorization" || forwarded.contains(name) { return name }
            let prefix = "grpc-metadata-"
            return name.hasPrefix(prefix) && name.count > prefix.count ? String(name.dropFirst(prefix.count)) : nil
        }
    }

    /// Headers that are about this HTTP/1.1 request's framing or negotiation, not call metadata.
    private static let notMetadata: Set<String> = [
        "content-type", "accept", "accept-encoding", "x-grpc-web",
        "access-control-request-method", "access-control-request-headers",
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
    ]

    /// Which request headers become call metadata.
    enum Policy {
        /// gRPC-Web clients send metadata as plain headers: every header that is not about the
        /// HTTP/1.1 hop, the gRPC-Web framing or the gRPC protocol itself.
        case grpcWeb
        /// REST clients send ordinary HTTP headers, most of which mean nothing to a gRPC service:
        /// only `authorization`, the configured `forwarded` names, and `grpc-metadata-<k>`
        /// (sent as `<k>`) become metadata (grpc-gateway's convention).
        case rest(forwarded: [String])
    }

    /// Builds the backend headers for a gRPC-Web request.
    /// - Parameters:
    ///   - backendContentType: `application/grpc` or `application/grpc+<codec>`.
    ///   - deadlines: the route's default and maximum; the backend is sent the effective deadline.
    /// - Throws: INVALID_ARGUMENT for a malformed `grpc-timeout`.
    static func forGRPCWeb(
        _ exchange: HTTPExchange, backendContentType: String, deadlines: GatewayPlan.DeadlinePolicy
    ) throws(GRPCStatus) -> RequestMetadata {
        try make(exchange, policy: .grpcWeb, backendContentType: backendContentType, deadlines: deadlines)
    }

    /// Builds the backend headers for a REST request.
    static func forREST(
        _ exchange: HTTPExchange, forwardedHeaders: [String], deadlines: GatewayPlan.DeadlinePolicy
    ) throws(GRPCStatus) -> RequestMetadata {
        try make(exchange, policy: .rest(forwarded: forwardedHeaders), backendContentType: "application/grpc", deadlines: deadlines)
    }

    private static func make(
        _ exchange: HTTPExchange, policy: Policy, backendContentType: String, deadlines: GatewayPlan.DeadlinePolicy
    ) throws(GRPCStatus) -> RequestMetadata {
        var result = RequestMetadata()
        var metadata: [(name: String, value: String)] = []
        var forwardedFor: String?
        var connectionTokens: Set<String> = []
        var timeoutValue: String?
        exchange.forEachHeader { rawName, rawValue in
            // The front end hands names lowercased already.
            let name = String(decoding: rawName, as: UTF8.self)
            let value = String(decoding: rawValue, as: UTF8.self)
            switch name {
            case "host":
                result.authority = value
            case "grpc-timeout":
                timeoutValue = value
            case "x-forwarded-for":
                forwardedFor = value
            case "connection":
                // Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
                for token in value.split(separator: ",") {
                    connectionTokens.insert(token.trimmingCharacters(in: .whitespaces).lowercased())
                }
            default:
                guard let key = metadataKey(name, policy: policy), !HeaderRules.isHopByHop(key),
                    !HeaderRules.isReservedForwardingBlocked(key), HeaderRules.isValidMetadataKey(key)
                else { return }
                metadata.append((key, value))
            }
        }
        var clientNanoseconds: Int64?
        if let timeoutValue {
            guard let nanoseconds = GRPCTimeout.parse(timeoutValue) else {
                throw GRPCStatus(.invalidArgument, "invalid grpc-timeout \"\(timeoutValue)\": expected at most 8 digits and a unit (H, M, S, m, u, n)")
            }
            clientNanoseconds = nanoseconds
        }
        if let nanoseconds = deadlines.effective(clientNanoseconds: clientNanoseconds) {
            result.timeoutNanoseconds = nanoseconds
            result.headers.append(("grpc-timeout", GRPCTimeout.encode(nanoseconds: nanoseconds)))
        }
        result.headers.append(("content-type", backendContentType))
        for header in metadata where !connectionTokens.contains(header.name) {
            result.headers.append(header)
        }
        let peer = exchange.peerAddress
        result.headers.append(("x-forwarded-for", forwardedFor.map { "\($0), \(peer)" } ?? peer))
        result.headers.append(("x-forwarded-proto", exchange.isSecure ? "https" : "http"))
        if let host = result.authority {
            result.headers.append(("x-forwarded-host", host))
        }
        return result
    }
}
