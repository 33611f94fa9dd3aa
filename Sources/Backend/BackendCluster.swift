public import GRPCWire
public import Reactor

/// One backend as one worker sees it: its endpoints, each with its own connections, and the
/// policy that picks an endpoint for each call.
///
/// Calls are balanced per call, not per connection: one long-lived HTTP/2 connection would
/// otherwise pin every call to one instance. Endpoints that failed to connect (backoff) or
/// failed their health checks are skipped; if none is left, the call fails UNAVAILABLE at once.
/// A call the backend provably never processed (refused, above a GOAWAY's last stream id, or
/// queued on a connection that never came up) is sent once more, elsewhere if possible.
///
/// The endpoints may change while the cluster runs (a name re-resolved, see ``EndpointRefresher``):
/// ``updateEndpoints(_:)`` keeps the pools of endpoints that stay, adds pools for new ones, and
/// retires the pools of vanished ones, which leave the rotation at once but are kept until the
/// calls on their connections have finished.
public final class BackendCluster {
    /// How the cluster reaches its backend.
    public struct Configuration: Sendable {
        /// How calls are spread over the endpoints.
        public enum Balancing: Sendable {
            case roundRobin
            case leastRequest
        }

        /// Active health checking.
        public struct HealthCheck: Sendable {
            public var interval: Duration
            public var timeout: Duration
            public var unhealthyThreshold: Int
            public var healthyThreshold: Int
            public var service: String

            public init(interval: Duration, timeout: Duration, unhealthyThreshold: Int, healthyThreshold: Int, service: String) {
                self.interval = interval
                self.timeout = timeout
                self.unhealthyThreshold = unhealthyThreshold
                self.healthyThreshold = healthyThreshold
                self.service = service
            }
        }

        /// The backend's name in the configuration, for messages.
        public var name: String
        public var endpoints: [BackendEndpoint]
        public var balancing: Balancing
        public var connectTimeout: Duration
        /// Calls in flight (on this worker) beyond which new calls fail at once.
        public var maxConcurrentCalls: Int
        public var streamWindow: Int
        public var connectionWindow: Int
        /// nil: no keepalive PINGs.
        public var keepaliveInterval: Duration?
        public var keepaliveTimeout: Duration
        public var healthCheck: HealthCheck?
        /// TLS to every endpoint; nil for HTTP/2 cleartext.
        public var tls: TLSConfiguration?

        public init(
            name: String, endpoints: [BackendEndpoint], balancing: Balancing = .roundRobin,
            connectTimeout: Duration = .seconds(5), maxConcurrentCalls: Int = 10_000, streamWindow: Int = 1 << 20,
            connectionWindow: Int = 16 << 20, keepaliveInterval: Duration? = .seconds(300),
            keepaliveTimeout: Duration = .seconds(20), healthCheck: HealthCheck? = nil, tls: TLSConfiguration? = nil
        ) {
            self.name = name
            self.endpoints = endpoints
            self.balancing = balancing
            self.connectTimeout = connectTimeout
            self.maxConcurrentCalls = maxConcurrentCalls
            self.streamWindow = streamWindow
            self.connectionWindow = connectionWindow
            self.keepaliveInterval = keepaliveInterval
            self.keepaliveTimeout = keepaliveTimeout
            self.healthCheck = healthCheck
            self.tls = tls
        }
    }

    public let configuration: Configuration
    private let loop: EventLoop
    private let settings: ConnectionSettings
    /// The endpoints in rotation, in the order of the latest endpoint list.
    private var members: [ConnectionPool] = []
    /// Pools of endpoints that re-resolution removed, kept until their calls have finished.
    private var retiring: [ConnectionPool] = []
    private var nextMember = 0
    private var inFlight = 0

    /// Creates the cluster; no connection opens before the first call (or health check).
    /// - Throws: ``BackendError`` if the TLS files cannot be loaded.
    public init(loop: EventLoop, configuration: Configuration) throws(BackendError) {
        self.configuration = configuration
        self.loop = loop
        self.settings = ConnectionSettings(
            connectTimeout: configuration.connectTimeout, streamWindow: Int32(clamping: configuration.streamWindow),
            connectionWindow: Int32(clamping: configuration.connectionWindow),
            keepaliveInterval: configuration.keepaliveInterval, keepaliveTimeout: configuration.keepaliveTimeout,
            tls: try configuration.tls.map { (tls) throws(BackendError) in try TLSClientContext(tls) })
        members = configuration.endpoints.map(makeMember)
    }

    /// A pool for `endpoint`, with its health checks if they are configured.
    private func makeMember(_ endpoint: BackendEndpoint) -> ConnectionPool {
        let pool = ConnectionPool(loop: loop, endpoint: endpoint, settings: settings, cluster: self)
        if let check = configuration.healthCheck {
            pool.healthChecker = HealthChecker(loop: loop, pool: pool, settings: check)
        }
        return pool
    }

    /// The endpoints in rotation now (health and backoff aside), in list order.
    public var endpoints: [BackendEndpoint] { members.map(\.endpoint) }

    /// Pools of removed endpoints whose calls have not all finished yet (for tests and metrics).
    public var retiringCount: Int {
        pruneRetiring()
        return retiring.count
    }

    /// Replaces the endpoints in rotation with `endpoints` (a new resolution of the backend's
    /// names). Endpoints that stay keep their pools, with their connections, backoff and health
    /// verdict; new ones get fresh pools; removed ones leave the rotation at once, and their
    /// pools stay alive, closing connections as they go idle, until no call is left on them.
    /// An empty list is ignored: a backend never loses its last endpoint this way.
    /// - Returns: what changed.
    @discardableResult
    public func updateEndpoints(_ endpoints: [BackendEndpoint]) -> EndpointChange {
        let change = EndpointChange(from: members.map(\.endpoint), to: endpoints)
        guard !change.isEmpty, !endpoints.isEmpty else { return EndpointChange(from: [], to: []) }
        var pools: [BackendEndpoint: ConnectionPool] = [:]
        for pool in members {
            pools[pool.endpoint] = pool
        }
        var updated: [ConnectionPool] = []
        updated.reserveCapacity(endpoints.count)
        var listed: Set<BackendEndpoint> = []
        for endpoint in endpoints where listed.insert(endpoint).inserted {
            updated.append(pools[endpoint] ?? makeMember(endpoint))
        }
        for endpoint in change.retired {
            guard let pool = pools[endpoint] else { continue }
            pool.retire()
            retiring.append(pool)
        }
        members = updated
        nextMember = nextMember % members.count
        pruneRetiring()
        return change
    }

    /// Takes the whole cluster out of service, for a configuration reload that replaced it with
    /// a new one: every endpoint is retired as if re-resolution had removed it (no new calls, no
    /// more health checks, idle connections closed now and busy ones when their last call ends).
    /// Calls in flight finish here undisturbed; see ``isDrained``.
    public func retire() {
        for pool in members {
            pool.retire()
            retiring.append(pool)
        }
        members = []
        nextMember = 0
        pruneRetiring()
    }

    /// Whether a retired cluster has nothing left: no call in flight, no open connection. Until
    /// then its owner must keep it alive (calls' end callbacks reach back into it).
    public var isDrained: Bool {
        pruneRetiring()
        return members.isEmpty && retiring.isEmpty
    }

    /// Starts the health verdicts of this (new) cluster's endpoints where `previous` (the cluster
    /// it replaces after a reload) left them, so an endpoint known to be failing its checks is not
    /// sent calls again until it has passed `healthy_threshold` checks. Only when both clusters
    /// run health checks; an endpoint `previous` did not have starts healthy, as at start-up.
    public func inheritHealth(from previous: BackendCluster) {
        guard configuration.healthCheck != nil, previous.configuration.healthCheck != nil else { return }
        var verdicts: [BackendEndpoint: Bool] = [:]
        for pool in previous.members {
            verdicts[pool.endpoint] = pool.isHealthy
        }
        for pool in members {
            if let healthy = verdicts[pool.endpoint] {
                pool.isHealthy = healthy
            }
        }
    }

    /// Drops retired pools that have nothing left in flight.
    private func pruneRetiring() {
        if !retiring.isEmpty {
            retiring.removeAll { $0.isDrained }
        }
    }

    /// Starts a call on the endpoint the balancing policy picks. The request head goes out at
    /// once (or as soon as the socket connects).
    /// - Parameters:
    ///   - path: `/package.Service/Method`.
    ///   - authority: the `:authority` value (nil: the endpoint's address).
    ///   - headers: `grpc-timeout` (if any), `content-type`, then custom metadata, all lower-case.
    ///   - body: request bytes (moved out); nil to send them later with ``RPCStream/send(_:endOfStream:)``.
    ///   - endOfStream: whether `body` is the whole request. Only a whole request can be replayed.
    ///   - delegate: receives the response; retained until the call ends.
    /// - Throws: UNAVAILABLE when no endpoint can take the call or the concurrency limit is
    ///   reached; nothing has been sent then.
    public func startCall(
        path: String, authority: String?, headers: [(name: String, value: String)], body: Buffer?,
        endOfStream: Bool = true, delegate: any RPCStreamDelegate
    ) throws(GRPCStatus) -> RPCStream {
        guard inFlight < configuration.maxConcurrentCalls else {
            throw GRPCStatus(
                .unavailable,
                "backend \(configuration.name) has \(inFlight) calls in flight, its max_concurrent_calls limit")
        }
        let stream = RPCStream(path: path, authority: authority, headers: headers, connection: nil, delegate: delegate)
        if let body { stream.outbound.append(moving: body) }
        stream.outboundFinished = body != nil && endOfStream
        stream.retainsBody = stream.outboundFinished
        pruneRetiring()
        try place(stream, avoiding: nil)
        inFlight += 1
        let previousOnEnd = stream.onEnd
        stream.onEnd = { [unowned self] in
            self.inFlight -= 1
            previousOnEnd?()
        }
        return stream
    }

    /// Checks that the TLS files of `configuration` load (at start, before any worker runs).
    public static func validateTLS(_ configuration: TLSConfiguration) throws(BackendError) {
        _ = try TLSClientContext(configuration)
    }

    /// Calls in flight from this worker.
    public var callsInFlight: Int { inFlight }

    /// Open connections over all endpoints (for tests and metrics).
    public var connectionCount: Int { (members + retiring).reduce(0) { $0 + $1.connectionCount } }

    /// Places `stream` on a chosen endpoint, trying the others if the first cannot take it.
    private func place(_ stream: RPCStream, avoiding avoided: ConnectionPool?, excluding excluded: Connection? = nil) throws(GRPCStatus) {
        var failure: GRPCStatus?
        for pool in candidates(avoiding: avoided) {
            do {
                try pool.place(stream, excluding: excluded)
                return
            } catch {
                failure = error
            }
        }
        if let avoided, avoided.isUsable {
            // Nowhere else to go: the same endpoint, on another connection.
            do {
                try avoided.place(stream, excluding: excluded)
                return
            } catch {
                failure = error
            }
        }
        throw GRPCStatus(.unavailable, "backend \(configuration.name): no endpoint can take the call: \(reasons(failure))")
    }

    private func reasons(_ failure: GRPCStatus?) -> String {
        let unhealthy = members.filter { !$0.isHealthy }.count
        var parts: [String] = []
        if unhealthy > 0 { parts.append("\(unhealthy) of \(members.count) endpoints failing health checks") }
        let backedOff = members.filter { $0.isInBackoff }
        for pool in backedOff {
            parts.append("\(pool.endpoint): \(pool.lastFailure ?? "connect failed")")
        }
        if parts.isEmpty, let failure { parts.append(failure.message) }
        return parts.joined(separator: "; ")
    }

    /// Usable endpoints in the order to try them, per the balancing policy.
    private func candidates(avoiding avoided: ConnectionPool?) -> [ConnectionPool] {
        let count = members.count
        guard count > 1 else {
            return members.filter { $0.isUsable && $0 !== avoided }
        }
        let start = nextMember
        nextMember = (nextMember + 1) % count
        var ordered: [ConnectionPool] = []
        ordered.reserveCapacity(count)
        for offset in 0..<count {
            let pool = members[(start + offset) % count]
            if pool.isUsable && pool !== avoided { ordered.append(pool) }
        }
        if configuration.balancing == .leastRequest {
            // Stable sort keeps the round-robin order among equals.
            ordered = ordered.enumerated().sorted { ($0.element.inFlight, $0.offset) < ($1.element.inFlight, $1.offset) }
                .map(\.element)
        }
        return ordered
    }

    /// Sends a stream that never reached the backend once more, on another endpoint if one is
    /// usable. - Returns: false if it could not be placed.
    func replay(_ stream: RPCStream, refusedBy connection: Connection, at pool: ConnectionPool) -> Bool {
        guard stream.isReplayable else { return false }
        do {
            try place(stream, avoiding: pool, excluding: connection)
            return true
        } catch {
            return false
        }
    }
}
