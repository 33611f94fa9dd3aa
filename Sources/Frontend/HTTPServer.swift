internal import CLibevent
public import Reactor

/// Receives each complete request the server reads. Implemented by the gateway.
public protocol HTTPRequestHandler: AnyObject {
    /// Called on the loop thread once a request's head and body have been read. The handler
    /// must eventually answer through `exchange` (or the client goes away first).
    func handle(_ exchange: HTTPExchange)
}

/// An HTTP/1.1 server on libevent's `evhttp`, one per worker thread.
///
/// Each worker owns one server bound to its own `SO_REUSEPORT` socket, so connections never move
/// between threads. evhttp parses requests, keeps connections alive, pipelines in order and
/// enforces the header and body limits; the server hands each complete request to its
/// ``HTTPRequestHandler`` as an ``HTTPExchange``.
public final class HTTPServer {
    /// Limits and timeouts for the front end.
    public struct Configuration: Sendable {
        /// Largest request head evhttp reads (request line + headers), in bytes.
        public var maxHeaderBytes: Int
        /// Largest request body evhttp reads at all. Above it evhttp answers 413 itself (a plain
        /// HTML page: libevent 2.1 has no hook to shape that reply), so the gateway sets this to
        /// twice its own limit and answers bodies between the two with a proper status. Memory
        /// per request stays bounded either way.
        public var maxBodyBytes: Int
        /// How long a connection may sit idle (between requests, or mid-read) before it is closed.
        public var idleTimeout: Duration

        public init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 4 << 20, idleTimeout: Duration = .seconds(60)) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
            self.idleTimeout = idleTimeout
        }
    }

    private let http: OpaquePointer
    private let handler: any HTTPRequestHandler
    /// TLS for clients, when the front end serves https.
    private let tls: TLSServerContext?
    /// Whether clients reach this server over TLS.
    public var isSecure: Bool { tls != nil }
    let configuration: Configuration
    /// The `evhttp_bound_socket`s accepting connections; removed when draining starts.
    private var boundSockets: [OpaquePointer] = []
    /// Requests received whose response has not been fully written (or whose client left).
    public private(set) var exchangesInFlight = 0
    /// True once ``beginDraining(onDrained:)`` ran: no new connections, and every response
    /// closes its connection so keep-alive clients move elsewhere.
    public private(set) var isDraining = false
    private var onDrained: (() -> Void)?

    /// Creates a server on `loop`; it accepts nothing until ``accept(_:)`` is given a socket.
    public init(
        loop: EventLoop, configuration: Configuration, tls: TLSServerContext? = nil, handler: any HTTPRequestHandler
    ) throws(ReactorError) {
        guard let http = evhttp_new(loop.base) else { throw ReactorError("evhttp_new failed") }
        self.http = http
        self.handler = handler
        self.configuration = configuration
        self.tls = tls
        if let tls {
            // Each accepted connection gets an OpenSSL bufferevent; evhttp reads and writes
            // through it as through a plain socket.
            evhttp_set_bevcb(http, { base, argument in
                Unmanaged<TLSServerContext>.fromOpaque(argument!).takeUnretainedValue().makeBufferevent(base: base!)
            }, Unmanaged.passUnretained(tls).toOpaque())
        }

        evhttp_set_max_headers_size(http, configuration.maxHeaderBytes)
        evhttp_set_max_body_size(http, configuration.maxBodyBytes)
        var idle = configuration.idleTimeout.timeval
        evhttp_set_timeout_tv(http, &idle)
        // Without this list evhttp answers OPTIONS (CORS preflights) and PATCH with 501 itself.
        let methods = EVHTTP_REQ_GET.rawValue | EVHTTP_REQ_POST.rawValue | EVHTTP_REQ_HEAD.rawValue
            | EVHTTP_REQ_PUT.rawValue | EVHTTP_REQ_DELETE.rawValue | EVHTTP_REQ_OPTIONS.rawValue
            | EVHTTP_REQ_PATCH.rawValue
        evhttp_set_allowed_methods(http, UInt16(methods))
        // No invented content type on replies that did not set one.
        evhttp_set_default_content_type(http, nil)
        evhttp_set_gencb(http, { request, argument in
            Unmanaged<HTTPServer>.fromOpaque(argument!).takeUnretainedValue().didReceive(request!)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        evhttp_free(http)
    }

    /// Starts accepting connections on `socket` (which the server then owns and closes).
    public func accept(_ socket: ListeningSocket) throws(ReactorError) {
        guard let bound = evhttp_accept_socket_with_handle(http, socket.descriptor) else {
            throw ReactorError("evhttp could not accept on descriptor \(socket.descriptor)")
        }
        boundSockets.append(bound)
    }

    /// Stops accepting connections and calls `onDrained` once every response in flight has been
    /// written (at once if there is none). Requests that still arrive on open keep-alive
    /// connections are served, with `Connection: close`.
    public func beginDraining(onDrained: @escaping () -> Void) {
        guard !isDraining else { return }
        isDraining = true
        self.onDrained = onDrained
        for bound in boundSockets {
            evhttp_del_accept_socket(http, bound)
        }
        boundSockets.removeAll()
        drainedCheck()
    }

    private func didReceive(_ request: OpaquePointer) {
        exchangesInFlight += 1
        let completion = ExchangeCompletion(server: self)
        // Called by evhttp once the response has been written completely, so a drain waits for
        // the bytes to leave, not just for the handler to finish.
        evhttp_request_set_on_complete_cb(request, { _, argument in
            Unmanaged<ExchangeCompletion>.fromOpaque(argument!).takeUnretainedValue().fire()
        }, completion.opaque)
        let exchange = HTTPExchange(request: request, server: self, completion: completion)
        handler.handle(exchange)
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
