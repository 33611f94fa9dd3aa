public import GRPCWire
public import Reactor
internal import Glibc

/// The connections one worker keeps to one backend endpoint.
///
/// A call goes on the first usable connection with room under the peer's
/// `MAX_CONCURRENT_STREAMS`; another connection opens only when all are full. Connections open on
/// first use. After a failed connect, new calls fail at once with UNAVAILABLE until the backoff
/// delay has passed; the next call after that tries again. Never blocks and never queues
/// without bound.
public final class ConnectionPool {
    /// How the pool connects.
    public struct Configuration: Sendable {
        /// The backend's name in the configuration, for messages.
        public var name: String
        /// Where to connect.
        public var endpoint: BackendEndpoint
        /// How long a TCP + HTTP/2 connect may take before it counts as failed.
        public var connectTimeout: Duration

        public init(name: String, endpoint: BackendEndpoint, connectTimeout: Duration) {
            self.name = name
            self.endpoint = endpoint
            self.connectTimeout = connectTimeout
        }
    }

    public let configuration: Configuration
    private let loop: EventLoop
    private var connections: [Connection] = []
    private var backoff = Backoff()
    private var retryNotBefore: ContinuousClock.Instant?
    private var lastFailure: String?

    public init(loop: EventLoop, configuration: Configuration) {
        self.loop = loop
        self.configuration = configuration
    }

    /// Starts a call. The request head goes out at once (or as soon as the socket connects);
    /// send the body with ``RPCStream/send(_:endOfStream:)``.
    /// - Parameters:
    ///   - path: `/package.Service/Method`.
    ///   - authority: the `:authority` value (nil: the endpoint's address).
    ///   - headers: `grpc-timeout` (if any), `content-type`, then custom metadata, all lower-case.
    ///   - body: request bytes to send (moved out); nil to send them later with ``RPCStream/send(_:endOfStream:)``.
    ///   - endOfStream: whether `body` is the whole request.
    ///   - delegate: receives the response; retained until the call ends.
    /// - Throws: a ``GRPCStatus`` (UNAVAILABLE) when the backend is in backoff or no connection
    ///   could be made; nothing has been sent then.
    public func startCall(
        path: String, authority: String?, headers: [(name: String, value: String)], body: Buffer?,
        endOfStream: Bool = true, delegate: any RPCStreamDelegate
    ) throws(GRPCStatus) -> RPCStream {
        let connection = try usableConnection()
        let stream = RPCStream(connection: connection, delegate: delegate)
        // Queued before submitting, so nghttp2 sends HEADERS and DATA in one write.
        if let body { stream.outbound.append(moving: body) }
        stream.outboundFinished = body != nil && endOfStream
        guard connection.start(stream, path: path, authority: authority ?? configuration.endpoint.authority, headers: headers) else {
            throw GRPCStatus(.unavailable, "backend \(configuration.name) (\(configuration.endpoint)) could not take the call")
        }
        return stream
    }

    /// Number of open connections (for tests and metrics).
    public var connectionCount: Int { connections.count }

    private func usableConnection() throws(GRPCStatus) -> Connection {
        if let connection = connections.first(where: { $0.canTakeStream }) {
            return connection
        }
        if let notBefore = retryNotBefore, ContinuousClock.now < notBefore {
            throw GRPCStatus(
                .unavailable,
                "backend \(configuration.name) (\(configuration.endpoint)) is unavailable: \(lastFailure ?? "connect failed")")
        }
        do {
            let connection = try Connection(
                loop: loop, endpoint: configuration.endpoint, connectTimeout: configuration.connectTimeout, owner: self)
            connections.append(connection)
            return connection
        } catch {
            recordFailure(error.description)
            throw GRPCStatus(.unavailable, "backend \(configuration.name) (\(configuration.endpoint)) is unavailable: \(error.description)")
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
}
