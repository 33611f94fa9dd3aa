/// Which browser origins may call the gateway, and what a CORS response says (`cors:`).
///
/// The policy follows the Fetch standard's CORS protocol
/// (https://fetch.spec.whatwg.org/#http-cors-protocol). It is off by default: with no allowed
/// origins, the gateway adds no CORS headers and a cross-origin browser call fails in the browser,
/// which is the safe default for a server that may carry credentials.
///
/// ```swift
/// let cors = CORSPolicy(allowedOrigins: ["http://localhost:8000"])
/// cors.allows(origin: "http://localhost:8000")  // true
/// ```
public struct CORSPolicy: Sendable, Hashable {
    /// Exact origins (`scheme://host[:port]`, lower-case, no path) or the single entry `*`.
    public var allowedOrigins: [String]
    /// Whether to send `Access-Control-Allow-Credentials: true`. Not allowed with `*`: browsers
    /// refuse that combination, and echoing any origin with credentials would let every site act as
    /// the user.
    public var allowCredentials: Bool
    /// Request headers a preflight may allow (lower-case). Empty means: echo the preflight's
    /// `Access-Control-Request-Headers`, which is what gRPC-Web clients need (they send
    /// `x-grpc-web`, `x-user-agent` and custom metadata).
    public var allowedHeaders: [String]
    /// Response headers to expose beyond ``alwaysExposedHeaders`` (lower-case).
    public var exposeHeaders: [String]
    /// How long a browser may cache a preflight answer (`Access-Control-Max-Age`, whole seconds).
    /// Defaults to 10 minutes, Chromium's own upper bound for caching preflights.
    public var maxAge: Duration

    /// Headers every CORS response exposes, because a gRPC-Web client cannot read the status of a
    /// trailers-only response without them.
    public static let alwaysExposedHeaders = ["grpc-status", "grpc-message", "grpc-status-details-bin"]

    /// Creates a policy. The defaults describe CORS turned off.
    /// - Parameters:
    ///   - allowedOrigins: Exact origins or `["*"]`; empty turns CORS off.
    ///   - allowCredentials: Whether credentials are allowed.
    ///   - allowedHeaders: Allowed request headers; empty echoes the preflight's list.
    ///   - exposeHeaders: Extra exposed response headers.
    ///   - maxAge: Preflight cache lifetime; defaults to 10 minutes.
    public init(
        allowedOrigins: [String] = [],
        allowCredentials: Bool = false,
        allowedHeaders: [String] = [],
        exposeHeaders: [String] = [],
        maxAge: Duration = .seconds(600)
    ) {
        self.allowedOrigins = allowedOrigins
        self.allowCredentials = allowCredentials
        self.allowedHeaders = allowedHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAge = maxAge
    }

    /// Whether the gateway answers CORS at all: true once any origin is allowed.
    public var isEnabled: Bool {
        !allowedOrigins.isEmpty
    }

    /// Whether a request's `Origin` header value is allowed.
    ///
    /// The comparison is exact and case-sensitive, as the Fetch standard requires: browsers send
    /// the origin's ASCII serialization (lower-case scheme and host), and configured origins are
    /// lower-cased when parsed.
    /// - Parameter origin: The `Origin` request header.
    /// - Returns: `true` if the origin is listed or `*` is configured.
    public func allows(origin: String) -> Bool {
        for allowed in allowedOrigins where allowed == "*" || allowed == origin {
            return true
        }
        return false
    }
}
