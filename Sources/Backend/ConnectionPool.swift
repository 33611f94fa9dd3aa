public import GRPCWire
internal import Reactor

/// The connections one worker keeps to one endpoint of a backend.
///
/// A call goes on the first usable connection with room under the peer's
/// `MAX_CONCURRENT_STREAMS`; another connection opens only when all are full. Connections open on
/// first use. After a failed connect the endpoint is in backoff: the cluster skips it, and calls
/// that only it could take fail at once with UNAVAILABLE until the delay has passed (passive
/// ejection). Never blocks and never queues without bound.
///
/// When re-resolution removes the endpoint, the pool is retired: it leaves the rotation at once,
/// its idle connections close, and the busy ones close when their last call ends.
final class ConnectionPool {
    let endpoint: BackendEndpoint
    private let settings: ConnectionSettings
    private let loop: EventLoop
    /// Where calls that could not be delivered here are sent instead.
    unowned let cluster: BackendCluster
    private var connections: [Connection] = []
    private var backoff = Backoff()
    private var retryNotBefore: ContinuousClock.Instant?
    private(set) var lastFailure: String?
    /// Calls in flight on this endpoint (for least-request balancing).
    var inFlight = 0
    /// The active health check's verdict; true when checks are off.
    var isHealthy = true
    /// The endpoint's active health checks, nil when they are off (or the pool is retired).
    var healthChecker: HealthChecker?
    /// True once the endpoint left the backend (see ``retire()``).
    private(set) var isRetired = false

    init(loop: EventLoop, endpoint: BackendEndpoint, settings: ConnectionSettings, cluster: BackendCluster) {
        self.loop = loop
        self.endpoint = endpoint
        self.settings = settings
        self.cluster = cluster
    }

    /// Whether the endpoint is waiting out a backoff after failed connects.
    var isInBackoff: Bool {
        guard let notBefore = retryNotBefore else { return false }
        return ContinuousClock.now < notBefore
    }

    /// Whether the balancer may choose this endpoint.
    var isUsable: Bool {
        isHealthy && !isRetired && !isInBackoff
    }

    /// Whether a retired pool has nothing left: no connection, and no call that started here
    /// (a call replayed elsewhere still reports its end to this pool).
    var isDrained: Bool {
        connections.isEmpty && inFlight == 0
    }

    /// Takes the endpoint out of service after re-resolution dropped it: no new calls, no more
    /// health checks; idle connections close now, busy ones once their calls have finished.
    func retire() {
        isRetired = true
        healthChecker?.stop()
        healthChecker = nil
        for connection in connections {
            connection.closeWhenIdle()
        }
    }

    /// Number of open connections.
    var connectionCount: Int { connections.count }

    /// Puts `stream` on a connection (opening one if needed) and submits its request.
    /// - Parameter excluded: a connection not to use (the one that refused the stream).
    /// - Throws: UNAVAILABLE when the endpoint is in backoff or no connection can be made.
    func place(_ stream: RPCStream, excluding excluded: Connection? = nil) throws(GRPCStatus) {
        let connection = try usableConnection(excluding: excluded)
        stream.prepareReplay(on: connection)
        inFlight += 1
        let previousOnEnd = stream.onEnd
        stream.onEnd = { [unowned self] in
            self.inFlight -= 1
            previousOnEnd?()
        }
        guard connection.start(stream) else {
            stream.onEnd = previousOnEnd
            inFlight -= 1
            throw GRPCStatus(.unavailable, "backend \(endpoint) could not take the call")
        }
    }

    private func usableConnection(excluding excluded: Connection?) throws(GRPCStatus) -> Connection {
        if let connection = connections.first(where: { $0 !== excluded && $0.canTakeStream }) {
            return connection
        }
        if isRetired {
            throw GRPCStatus(.unavailable, "backend \(endpoint) is no longer among the backend's addresses")
        }
        if isInBackoff {
            throw GRPCStatus(.unavailable, "backend \(endpoint) is unavailable: \(lastFailure ?? "connect failed")")
        }
        do {
            let connection = try Connection(loop: loop, endpoint: endpoint, settings: settings, owner: self)
            connections.append(connection)
            return connection
        } catch {
            recordFailure(error.description)
            throw GRPCStatus(.unavailable, "backend \(endpoint) is unavailable: \(error.description)")
        }
    }

    private func recordFailure(_ reason: String) {
        lastFailure = reason
        let delay = backoff.nextDelay(random: Double.random(in: 0..<1))
        retryNotBefore = ContinuousClock.now + delay
    }
}

extension ConnectionPool: ConnectionOwner {
    func connectionDidClose(_ connection: Connection, failure: String?) {
        connections.removeAll { $0 === connection }
        if let failure {
            recordFailure(failure)
        }
    }

    func connectionDidBecomeReady(_ connection: Connection) {
        backoff.reset()
        retryNotBefore = nil
        lastFailure = nil
    }

    func connection(_ connection: Connection, couldNotDeliver stream: RPCStream) -> Bool {
        cluster.replay(stream, refusedBy: connection, at: self)
    }
}
