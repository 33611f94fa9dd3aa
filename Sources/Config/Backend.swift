/// A gRPC server the gateway forwards calls to (one entry of `backends:` in `gateway.yaml`):
/// one or more endpoints serving the same services, and how to reach and watch them.
///
/// An endpoint's host may be a name with several addresses (`orders.internal:50051`, or
/// `localhost:50051` with both `127.0.0.1` and `::1`): every address becomes an endpoint of its
/// own. Names are resolved at start (a name that does not resolve stops start-up) and again every
/// `dns_refresh` (30 s by default; `0s` resolves once), off the workers' threads: new addresses
/// join the rotation, vanished ones leave it while their calls in flight finish, and a lookup
/// that fails keeps the last good addresses.
public struct Backend: Sendable, Hashable {
    /// One address of a backend.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// Host name, IPv4 address, or IPv6 address without brackets, ready for `getaddrinfo`.
        public var host: String
        /// TCP port, 1...65535.
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with brackets around an IPv6 host.
        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// How calls are spread over the endpoints: per call, never per connection, because one
    /// long-lived HTTP/2 connection would otherwise pin every call to one instance.
    public enum Balancing: String, Sendable, Hashable, CaseIterable {
        /// Each call goes to the next usable endpoint in turn.
        case roundRobin = "round_robin"
        /// Each call goes to the usable endpoint with the fewest calls in flight (ties: in turn).
        case leastRequest = "least_request"
    }

    /// HTTP/2 PINGs that find a dead peer on a connection with calls in flight.
    public struct Keepalive: Sendable, Hashable {
        /// A PING is sent after this long without any frame from the backend. Defaults to 5 min:
        /// gRPC's C core servers answer pings sent more often than every 5 minutes without data
        /// with GOAWAY ENHANCE_YOUR_CALM, so shorter intervals need a server that permits them.
        public var interval: Duration
        /// The connection counts as dead when the PING is not acknowledged within this. 20 s.
        public var timeout: Duration

        public init(interval: Duration = .seconds(300), timeout: Duration = .seconds(20)) {
            self.interval = interval
            self.timeout = timeout
        }
    }

    /// Active health checking with `grpc.health.v1.Health/Check`.
    public struct HealthCheck: Sendable, Hashable {
        /// Time between checks of one endpoint. 5 s.
        public var interval: Duration
        /// A check not answered within this fails. 2 s.
        public var timeout: Duration
        /// Consecutive failed checks that take an endpoint out of rotation. 2.
        public var unhealthyThreshold: Int
        /// Consecutive passed checks that bring it back. 1.
        public var healthyThreshold: Int
        /// The `service` field of the HealthCheckRequest; "" asks about the server as a whole.
        public var service: String

        public init(
            interval: Duration = .seconds(5), timeout: Duration = .seconds(2), unhealthyThreshold: Int = 2,
            healthyThreshold: Int = 1, service: String = ""
        ) {
            self.interval = interval
            self.timeout = timeout
            self.unhealthyThreshold = unhealthyThreshold
            self.healthyThreshold = healthyThreshold
            self.service = service
        }
    }

    /// TLS to the backend (ALPN h2). Paths are absolute (resolved against the config's folder).
    public struct TLS: Sendable, Hashable {
        /// PEM file of the CA certificates that sign the backend's certificate; nil: the system's.
        public var caFile: String?
        /// PEM client certificate, for backends that require mutual TLS.
        public var certificateFile: String?
        /// PEM private key of `certificateFile`.
        public var keyFile: String?
        /// The name to send (SNI) and to verify the certificate against; nil: the endpoint's host.
        public var serverName: String?

        public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.serverName = serverName
        }
    }

    /// The name routes use to refer to this backend; unique, `[A-Za-z0-9_.-]+`.
    public var name: String
    /// The endpoints, from `address:` (one) or `endpoints:` (several). Never empty.
    public var endpoints: [Endpoint]
    /// How calls are spread over `endpoints`. Round robin by default.
    public var balancing: Balancing
    /// Time between re-resolutions of the endpoints' host names; `.zero` resolves them once, at
    /// start. Defaults to 30 s: soon enough to follow a deploy that moves instances, rare enough
    /// to be no load on the name servers. Literal addresses are never looked up.
    public var dnsRefresh: Duration
    /// How long one connection attempt may take before it counts as failed. Defaults to 5 s, long
    /// enough for a cross-zone TCP handshake and short enough that callers are not left hanging.
    public var connectTimeout: Duration
    /// Calls in flight to this backend (per worker) beyond which new calls fail UNAVAILABLE at
    /// once instead of queueing without bound. 10,000.
    public var maxConcurrentCalls: Int
    /// PINGs that detect a dead connection.
    public var keepalive: Keepalive
    /// Active health checks; nil (the default) checks nothing and relies on connect failures.
    public var healthCheck: HealthCheck?
    /// TLS; nil (the default) speaks HTTP/2 cleartext with prior knowledge.
    public var tls: TLS?
    /// HTTP/2 receive window per call: how much one call may have in flight towards a client that
    /// has not read it yet. 1 MiB.
    public var streamWindow: Int
    /// HTTP/2 receive window per connection. 16 MiB.
    public var connectionWindow: Int
    /// Where the backend's entry starts in the YAML, for errors found later (e.g. "unreachable").
    public var location: SourceLocation

    /// Creates a backend with one endpoint.
    public init(
        name: String,
        host: String,
        port: Int,
        connectTimeout: Duration = .seconds(5),
        location: SourceLocation = .unspecified
    ) {
        self.init(name: name, endpoints: [Endpoint(host: host, port: port)], connectTimeout: connectTimeout, location: location)
    }

    /// Creates a backend.
    public init(
        name: String,
        endpoints: [Endpoint],
        balancing: Balancing = .roundRobin,
        dnsRefresh: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(5),
        maxConcurrentCalls: Int = 10_000,
        keepalive: Keepalive = Keepalive(),
        healthCheck: HealthCheck? = nil,
        tls: TLS? = nil,
        streamWindow: Int = 1 << 20,
        connectionWindow: Int = 16 << 20,
        location: SourceLocation = .unspecified
    ) {
        precondition(!endpoints.isEmpty, "a backend has at least one endpoint")
        self.name = name
        self.endpoints = endpoints
        self.balancing = balancing
        self.dnsRefresh = dnsRefresh
        self.connectTimeout = connectTimeout
        self.maxConcurrentCalls = maxConcurrentCalls
        self.keepalive = keepalive
        self.healthCheck = healthCheck
        self.tls = tls
        self.streamWindow = streamWindow
        self.connectionWindow = connectionWindow
        self.location = location
    }

    /// The first endpoint's host (the only one for single-address backends).
    public var host: String { endpoints[0].host }
    /// The first endpoint's port.
    public var port: Int { endpoints[0].port }

    /// The first endpoint as `host:port`, as it would be written in `address:`.
    public var authority: String {
        endpoints[0].description
    }
}
