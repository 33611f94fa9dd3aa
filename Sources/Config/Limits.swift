/// Bounds that keep one client from exhausting the gateway (`limits:` in `gateway.yaml`).
///
/// The defaults match gRPC's own default message limit (4 MiB) and common HTTP server practice, so
/// that a gateway started with no `limits:` section is already safe to expose.
public struct Limits: Sendable, Hashable {
    /// The largest request body accepted; a larger one is answered 413. Defaults to 4 MiB.
    public var maxRequestBodyBytes: Int
    /// The largest single message accepted from a backend; gRPC's length prefix is 32 bits, so at
    /// most 4 GiB - 1. Defaults to 4 MiB, gRPC's default receive limit.
    public var maxResponseMessageBytes: Int
    /// The largest request head (request line plus headers). Defaults to 16 KiB. A larger one is
    /// refused by libevent's HTTP parser with 400 (libevent 2.1 cannot be made to answer 431).
    public var maxRequestHeaderBytes: Int
    /// How long a keep-alive connection may sit idle between requests. Defaults to 60 s.
    public var idleTimeout: Duration
    /// How long a client may take to send a complete request head; bounds slow-loris attacks.
    /// Defaults to 10 s. Not yet enforced apart from `idleTimeout`: libevent 2.1's HTTP server has
    /// one read timeout for idle connections and request heads alike, and it is `idleTimeout`.
    public var headerReadTimeout: Duration
    /// On SIGTERM, how long calls in flight may take to finish before they are cut. Defaults to
    /// 25 s, inside the 30 s a container orchestrator usually waits before killing the process.
    public var drainTimeout: Duration

    /// Creates limits; every argument has the documented default.
    /// - Parameters:
    ///   - maxRequestBodyBytes: Request body limit; defaults to 4 MiB.
    ///   - maxResponseMessageBytes: Backend message limit; defaults to 4 MiB.
    ///   - maxRequestHeaderBytes: Request head limit; defaults to 16 KiB.
    ///   - idleTimeout: Keep-alive idle limit; defaults to 60 s.
    ///   - headerReadTimeout: Request head read limit; defaults to 10 s.
    ///   - drainTimeout: Time given to calls in flight at shutdown; defaults to 25 s.
    public init(
        maxRequestBodyBytes: Int = 4 << 20,
        maxResponseMessageBytes: Int = 4 << 20,
        maxRequestHeaderBytes: Int = 16 << 10,
        idleTimeout: Duration = .seconds(60),
        headerReadTimeout: Duration = .seconds(10),
        drainTimeout: Duration = .seconds(25)
    ) {
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.maxResponseMessageBytes = maxResponseMessageBytes
        self.maxRequestHeaderBytes = maxRequestHeaderBytes
        self.idleTimeout = idleTimeout
        self.headerReadTimeout = headerReadTimeout
        self.drainTimeout = drainTimeout
    }
}
