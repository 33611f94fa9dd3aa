internal import CLibevent
internal import Glibc
public import Reactor
internal import Synchronization

/// Receives each request the server reads. Implemented by the gateway.
public protocol HTTPRequestHandler: AnyObject {
    /// Called on the loop thread once a request's head has been read, with whatever of its body
    /// arrived alongside (for small requests, all of it: see ``HTTPExchange/isBodyComplete``).
    /// The handler must eventually answer through `exchange` (or the client goes away first).
    func handle(_ exchange: HTTPExchange)
    /// The body of the server's own answer to a request it could not read (status chosen by the
    /// server from `error`). Called once per such request, so it is also the place to count them.
    func errorResponse(for error: HTTPRequestError) -> (contentType: String, body: String)
    /// A connection was closed at once because the server is at its connection limit.
    func connectionWasRefused()
}

extension HTTPRequestHandler {
    public func errorResponse(for error: HTTPRequestError) -> (contentType: String, body: String) {
        ("text/plain; charset=utf-8", error.reason + "\n")
    }

    public func connectionWasRefused() {}
}

/// How many client connections the whole process may hold, shared by every worker's server.
/// Touched only when a connection opens or closes, never per request.
public final class ConnectionBudget: Sendable {
    /// The limit; 0 means none.
    public let limit: Int
    private let open = Atomic(0)

    public init(limit: Int) {
        self.limit = limit
    }

    /// Client connections open now, over all workers.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Takes one connection from the budget, unless it is used up.
    func take() -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        if limit > 0 && now > limit {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func giveBack() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}

/// An HTTP/1.1 server on a libevent loop, one per worker thread.
///
/// Each worker owns one server bound to its own `SO_REUSEPORT` socket, so connections never move
/// between threads. The server accepts connections (``HTTPConnection`` reads and writes them) and
/// writes every connection's pending output once per loop turn, so all the chunks a turn produces
/// for a client leave in one `write`.
///
/// It is the gateway's own rather than libevent's `evhttp`, because evhttp reads a request body
/// whole before anyone sees the request: a client-streaming upload could not be forwarded as it
/// arrives, nor paced by the backend. Owning the parser also gives the exact refusals (431, 414,
/// 408, smuggling shapes), the header-read timeout and the connection limit evhttp lacks.
public final class HTTPServer {
    /// Limits and timeouts for the front end.
    public struct Configuration: Sendable {
        /// Largest request head (request line + headers), in bytes; larger ones get 431 (or 414).
        public var maxHeaderBytes: Int
        /// How many body bytes an exchange buffers before the server stops reading its request
        /// (until the handler takes some, or raises ``HTTPExchange/bodyBufferLimit``).
        public var bodyBufferBytes: Int
        /// How long a connection may sit idle between requests, or silent mid-body.
        public var idleTimeout: Duration
        /// How long a client may take from a request head's first byte to its last.
        public var headerReadTimeout: Duration

        public init(
            maxHeaderBytes: Int = 16 * 1024, bodyBufferBytes: Int = 64 * 1024, idleTimeout: Duration = .seconds(60),
            headerReadTimeout: Duration = .seconds(10)
        ) {
            self.maxHeaderBytes = maxHeaderBytes
            self.bodyBufferBytes = bodyBufferBytes
            self.idleTimeout = idleTimeout
            self.headerReadTimeout = headerReadTimeout
        }
    }

    let loop: EventLoop
    let handler: any HTTPRequestHandler
    /// TLS for clients, when the front end serves https.
    private let tls: TLSServerContext?
    /// Whether clients reach this server over TLS.
    public var isSecure: Bool { tls != nil }
    let configuration: Configuration
    let parserLimits: HTTPRequestParser.Limits
    private let budget: ConnectionBudget
    let date = DateHeader()
    /// The listeners accepting connections; freed (closing their sockets) when draining starts.
    private var listeners: [OpaquePointer] = []
    /// Connections with output to write at the end of this loop turn.
    private var flushQueue: [HTTPConnection] = []
    private var flusher: OpaquePointer!
    /// Every open connection, so a drain can close the idle ones.
    private var connections: [ObjectIdentifier: HTTPConnection] = [:]
    /// Requests received whose response has not been fully written (or whose client left).
    public private(set) var exchangesInFlight = 0
    /// True once ``beginDraining(onDrained:)`` ran: no new connections, and every response
    /// closes its connection so keep-alive clients move elsewhere.
    public private(set) var isDraining = false
    private var onDrained: (() -> Void)?

    /// Creates a server on `loop`; it accepts nothing until ``accept(_:)`` is given a socket.
    /// - Parameter budget: the process-wide connection limit this server counts against.
    public init(
        loop: EventLoop, configuration: Configuration, tls: TLSServerContext? = nil, budget: ConnectionBudget = ConnectionBudget(limit: 0),
        handler: any HTTPRequestHandler
    ) throws(ReactorError) {
        self.loop = loop
        self.handler = handler
        self.configuration = configuration
        self.parserLimits = HTTPRequestParser.Limits(maxHeadBytes: configuration.maxHeaderBytes)
        self.tls = tls
        self.budget = budget
        guard
            let flusher = event_new(
                loop.base, -1, 0,
                { _, _, argument in Unmanaged<HTTPServer>.fromOpaque(argument!).takeUnretainedValue().flushAll() },
                Unmanaged.passUnretained(self).toOpaque())
        else { throw ReactorError("event_new failed") }
        self.flusher = flusher
    }

    deinit {
        for listener in listeners { evconnlistener_free(listener) }
        event_free(flusher)
    }

    /// Starts accepting connections on `socket` (which the server then owns and closes).
    public func accept(_ socket: ListeningSocket) throws(ReactorError) {
        guard
            let listener = evconnlistener_new(
                loop.base,
                { _, descriptor, address, length, argument in
                    Unmanaged<HTTPServer>.fromOpaque(argument!).takeUnretainedValue().didAccept(descriptor, address, length)
                },
                Unmanaged.passUnretained(self).toOpaque(), LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
                socket.descriptor)
        else {
            throw ReactorError("cannot accept on descriptor \(socket.descriptor)")
        }
        // Out of descriptors, the listening socket stays readable and libevent would retry the
        // accept every loop turn; pausing it instead lets connections close and free some.
        evconnlistener_set_error_cb(listener) { listener, argument in
            Unmanaged<HTTPServer>.fromOpaque(argument!).takeUnretainedValue().acceptDidFail(listener!)
        }
        listeners.append(listener)
    }

    /// Listeners paused after an accept failed, until `acceptRetry` fires.
    private var pausedListeners: [OpaquePointer] = []
    private lazy var acceptRetry = EventTimer(loop: loop) { [unowned self] in
        for listener in pausedListeners where listeners.contains(listener) { evconnlistener_enable(listener) }
        pausedListeners.removeAll()
    }

    private func acceptDidFail(_ listener: OpaquePointer) {
        let error = errno
        guard error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM else { return }
        evconnlistener_disable(listener)
        pausedListeners.append(listener)
        if !acceptRetry.isScheduled { acceptRetry.schedule(after: .milliseconds(250)) }
        handler.connectionWasRefused()
    }

    /// Stops accepting connections, closes idle keep-alive connections, and calls `onDrained`
    /// once every response in flight has been written (at once if there is none). Requests that
    /// still arrive on open connections are served, with `Connection: close`.
    public func beginDraining(onDrained: @escaping () -> Void) {
        guard !isDraining else { return }
        isDraining = true
        self.onDrained = onDrained
        for listener in listeners { evconnlistener_free(listener) }
        listeners.removeAll()
        for connection in Array(connections.values) { connection.closeIfIdle() }
        drainedCheck()
    }

    private func didAccept(_ descriptor: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: Int32) {
        guard budget.take() else {
            Glibc.close(descriptor)
            handler.connectionWasRefused()
            return
        }
        var storage = sockaddr_storage()
        if let address {
            withUnsafeMutableBytes(of: &storage) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: min(Int(length), target.count)))
            }
        }
        // Responses are written whole or per message, never byte by byte: Nagle's algorithm would
        // only hold a stream's next message back for the client's delayed ACK.
        var on: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        guard let connection = HTTPConnection(server: self, descriptor: descriptor, address: storage, tls: tls) else {
            Glibc.close(descriptor)
            budget.giveBack()
            return
        }
        connections[ObjectIdentifier(connection)] = connection
    }

    func connectionDidClose(_ connection: HTTPConnection) {
        if connections.removeValue(forKey: ObjectIdentifier(connection)) != nil {
            budget.giveBack()
        }
    }

    // MARK: Flushing once per loop turn

    func scheduleFlush(_ connection: HTTPConnection) {
        flushQueue.append(connection)
        if flushQueue.count == 1 {
            // Runs after the callbacks already active in this turn: everything they write to a
            // connection leaves together.
            event_active(flusher, 0, 0)
        }
    }

    private func flushAll() {
        while !flushQueue.isEmpty {
            let queue = flushQueue
            flushQueue.removeAll(keepingCapacity: true)
            for connection in queue { connection.flush() }
        }
    }

    // MARK: Counting exchanges for a drain

    func exchangeDidBegin() {
        exchangesInFlight += 1
    }

    /// One exchange is over: its response was written, or its client left.
    func exchangeDidEnd() {
        exchangesInFlight -= 1
        drainedCheck()
    }

    private func drainedCheck() {
        guard isDraining, exchangesInFlight == 0, let onDrained else { return }
        self.onDrained = nil
        onDrained()
    }
}
