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
    /// The largest request head (request line plus headers). Defaults to 16 KiB; a larger one gets
    /// 431 (414 when the request line alone is too long).
    public var maxRequestHeaderBytes: Int
    /// The most client connections open at once, over all workers; a connection past it is closed
    /// as soon as it is accepted. 0 means no limit. Defaults to 50,000.
    public var maxConnections: Int
    /// How long a keep-alive connection may sit idle between requests. Defaults to 60 s.
    public var idleTimeout: Duration
    /// How long a client may take from a request head's first byte to its last; bounds slow-loris
    /// attacks (the client gets 408). Defaults to 10 s.
    public var headerReadTimeout: Duration
    /// On SIGTERM, how long calls in flight may take to finish before they are cut. Defaults to
    /// 25 s, inside the 30 s a container orchestrator usually waits before killing the process.
    public var drainTimeout: Duration

    /// Creates limits; every argument has the documented default.
    /// - Parameters:
    ///   - maxRequestBodyBytes: Request body limit; defaults to 4 MiB.
    ///   - maxResponseMessageBytes: Backend message limit; defaults to 4 MiB.
    ///   - maxRequestHeaderBytes: Request head limit; defaults to 16 KiB.
    ///   - maxConnections: Client connection limit; defaults to 50,000.
    ///   - idleTimeout: Keep-alive idle limit; defaults to 60 s.
    ///   - headerReadTimeout: Request head read limit; defaults to 10 s.
    ///   - drainTimeout: Time given to calls in flight at shutdown; defaults to 25 s.
    public init(
        maxRequestBodyBytes: Int = 4 << 20,
        maxResponseMessageBytes: Int = 4 << 20,
        maxRequestHeaderBytes: Int = 16 << 10,
        maxConnections: Int = 50_000,
        idleTimeout: Duration = .seconds(60),
        headerReadTimeout: Duration = .seconds(10),
        drainTimeout: Duration = .seconds(25)
    ) {
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.maxResponseMessageBytes = maxResponseMessageBytes
        self.maxRequestHeaderBytes = maxRequestHeaderBytes
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.headerReadTimeout = headerReadTimeout
        self.drainTimeout = drainTimeout
    }
}
