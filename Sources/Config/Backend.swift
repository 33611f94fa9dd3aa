/// A gRPC server the gateway forwards calls to (one entry of `backends:` in `gateway.yaml`).
public struct Backend: Sendable, Hashable {
    /// The name routes use to refer to this backend; unique, `[A-Za-z0-9_.-]+`.
    public var name: String
    /// The host to connect to: a host name, an IPv4 address, or an IPv6 address without the
    /// brackets it has in `address:` (`[::1]:50051` gives `::1`), ready for `getaddrinfo`.
    public var host: String
    /// The TCP port, 1...65535.
    public var port: Int
    /// How long one connection attempt may take before it counts as failed. Defaults to 5 s, long
    /// enough for a cross-zone TCP handshake and short enough that callers are not left hanging.
    public var connectTimeout: Duration
    /// Where the backend's entry starts in the YAML, for errors found later (e.g. "unreachable").
    public var location: SourceLocation

    /// Creates a backend.
    /// - Parameters:
    ///   - name: The name routes refer to.
    ///   - host: Host name or IP address (IPv6 without brackets).
    ///   - port: TCP port.
    ///   - connectTimeout: Limit for one connection attempt; defaults to 5 s.
    ///   - location: Where the entry was written; ``SourceLocation/unspecified`` for values built in code.
    public init(
        name: String,
        host: String,
        port: Int,
        connectTimeout: Duration = .seconds(5),
        location: SourceLocation = .unspecified
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.connectTimeout = connectTimeout
        self.location = location
    }

    /// `host:port`, with brackets around an IPv6 host, as it would be written in `address:` and as
    /// HTTP/2's `:authority` wants it.
    public var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
