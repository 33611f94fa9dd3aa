internal import Config
internal import Frontend
internal import GRPCWire
internal import Reactor

/// The CORS policy applied by the gateway itself: preflights are answered here and never
/// forwarded, and every response to an allowed origin (errors included) carries the headers a
/// browser needs to read it, so a browser shows the real status rather than a CORS failure.
struct CORS: Sendable {
    let policy: CORSPolicy
    private let maxAgeSeconds: String
    private let configuredAllowHeaders: String?
    /// Methods a preflight may be granted: gRPC-Web needs POST; REST routes use the rest.
    static let allowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"

    init(policy: CORSPolicy) {
        self.policy = policy
        self.maxAgeSeconds = String(policy.maxAge.components.seconds)
        self.configuredAllowHeaders = policy.allowedHeaders.isEmpty ? nil : policy.allowedHeaders.joined(separator: ", ")
    }

    /// Whether `exchange` is a CORS preflight (OPTIONS with `Origin` and
    /// `Access-Control-Request-Method`), which the gateway answers itself.
    static func isPreflight(_ exchange: HTTPExchange) -> Bool {
        exchange.method == .options && exchange.header("Origin") != nil
            && exchange.header("Access-Control-Request-Method") != nil
    }

    /// The origin to answer with CORS headers, nil when the request has none or it is not allowed.
    func allowedOrigin(of exchange: HTTPExchange) -> String? {
        guard policy.isEnabled, let origin = exchange.header("Origin"), policy.allows(origin: origin) else { return nil }
        return origin
    }

    /// Answers a preflight: 204 with the grants for an allowed origin, 403 (and no grants) otherwise.
    func answerPreflight(_ exchange: HTTPExchange) {
        guard let origin = allowedOrigin(of: exchange) else {
            let origin = exchange.header("Origin") ?? ""
            ErrorBody.respond(
                exchange, status: .init(.permissionDenied, "CORS: origin \(origin) is not allowed"), httpStatus: 403,
                extraHeaders: [("Vary", "Origin")])
            return
        }
        var headers: [(name: String, value: String)] = [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Methods", Self.allowedMethods),
            ("Access-Control-Max-Age", maxAgeSeconds),
            ("Vary", "Origin"),
        ]
        if let allowHeaders = configuredAllowHeaders ?? exchange.header("Access-Control-Request-Headers") {
            headers.append(("Access-Control-Allow-Headers", allowHeaders))
        }
        if policy.allowCredentials {
            headers.append(("Access-Control-Allow-Credentials", "true"))
        }
        exchange.respond(status: 204, headers: headers, body: nil)
    }

    /// Headers for an actual response to `origin`, exposing the gRPC status headers, the
    /// configured names and `responseHeaderNames` (the metadata this response carries).
    func responseHeaders(origin: String, exposing responseHeaderNames: [String]) -> [(name: String, value: String)] {
        // The status headers are always exposed, so gRPC-Web clients can read trailers-only
        // statuses (grpc-web#962).
        var exposed = CORSPolicy.alwaysExposedHeaders
        exposed.append(contentsOf: policy.exposeHeaders)
        for name in responseHeaderNames where !exposed.contains(name) {
            exposed.append(name)
        }
        var headers: [(name: String, value: String)] = [
            ("Access-Control-Allow-Origin", origin),
            ("Vary", "Origin"),
            ("Access-Control-Expose-Headers", exposed.joined(separator: ",")),
        ]
        if policy.allowCredentials {
            headers.append(("Access-Control-Allow-Credentials", "true"))
        }
        return headers
    }
}
