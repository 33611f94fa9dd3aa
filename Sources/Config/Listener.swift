/// Where the gateway's HTTP/1.1 front end listens (`listen:` in `gateway.yaml`).
public struct Listener: Sendable, Hashable {
    /// The address to bind: an IPv4 address, an IPv6 address without brackets, or a host name.
    /// Defaults to `0.0.0.0` (every IPv4 interface), which is what a gateway in a container wants.
    public var host: String
    /// The TCP port. Defaults to 8080. `0` asks the kernel for a free port, which tests use to run
    /// several gateways side by side.
    public var port: Int
    /// Whether each worker binds its own `SO_REUSEPORT` socket, so the kernel spreads new
    /// connections evenly over the workers. Off by default: any later process of the same user
    /// that sets `SO_REUSEPORT` (Envoy does by default) can then join the port and silently take
    /// a share of the connections. Off, the workers share one socket and the port is ours alone.
    public var reusePort: Bool
    /// TLS for clients (https), with the certificate chain and key files (absolute paths); nil:
    /// plain HTTP, for deployments where TLS ends in front of the gateway.
    public var tls: ServerTLS?

    /// Creates a listener.
    /// - Parameters:
    ///   - host: The bind address; defaults to `0.0.0.0`.
    ///   - port: The port (0 = ephemeral); defaults to 8080.
    ///   - reusePort: One `SO_REUSEPORT` socket per worker; defaults to false (one shared socket).
    public init(host: String = "0.0.0.0", port: Int = 8080, reusePort: Bool = false) {
        self.host = host
        self.port = port
        self.reusePort = reusePort
    }
}

/// The admin listener (`admin:` in `gateway.yaml`): health and metrics endpoints for operators,
/// on their own address so they are never exposed with the public port.
public struct AdminListener: Sendable, Hashable {
    /// The bind address. Defaults to 127.0.0.1: metrics are for the operator, not the internet.
    public var host: String
    /// The TCP port. Defaults to 9901 (Envoy's customary admin port).
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 9901) {
        self.host = host
        self.port = port
    }
}

/// The access log (`access_log:` in `gateway.yaml`): one JSON line per call. Off unless configured.
public struct AccessLog: Sendable, Hashable {
    /// Where lines go: a file path (appended to, created if missing), or `-` for standard output.
    public var path: String

    public init(path: String = "-") {
        self.path = path
    }
}

/// The front end's TLS certificate (`listen.tls:`).
public struct ServerTLS: Sendable, Hashable {
    /// PEM certificate chain, leaf first.
    public var certificateFile: String
    /// PEM private key of the leaf certificate.
    public var keyFile: String

    public init(certificateFile: String, keyFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}
