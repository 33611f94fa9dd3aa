internal import CLibevent
internal import CLibeventOpenSSL
internal import CNghttp2
public import GRPCWire
public import Reactor
internal import Glibc

/// Told when a connection can no longer take calls, so its pool stops choosing it.
protocol ConnectionOwner: AnyObject {
    /// The connection is closed. `failure` is set when it never became usable or broke, which
    /// counts against the backend's backoff; nil after a graceful drain.
    func connectionDidClose(_ connection: Connection, failure: String?)
    /// The peer's SETTINGS arrived: the connection is known to speak HTTP/2.
    func connectionDidBecomeReady(_ connection: Connection)
    /// `stream` provably never reached the backend (refused, above a GOAWAY's last stream id, or
    /// the connection never became usable): send it on another connection if one can take it.
    /// - Returns: false if it could not be placed; the connection then fails it.
    func connection(_ connection: Connection, couldNotDeliver stream: RPCStream) -> Bool
}

/// How a connection is set up: windows, timeouts and keepalive.
struct ConnectionSettings {
    var connectTimeout: Duration
    /// Per-stream receive window announced to the backend (SETTINGS_INITIAL_WINDOW_SIZE).
    var streamWindow: Int32
    /// Connection-wide receive window.
    var connectionWindow: Int32
    /// Time without frames from the backend, with calls in flight, before a PING; nil: never.
    var keepaliveInterval: Duration?
    /// How long a PING may go unanswered before the connection counts as dead.
    var keepaliveTimeout: Duration
    /// TLS, or nil for HTTP/2 cleartext with prior knowledge.
    var tls: TLSClientContext?
}

/// One HTTP/2 client connection (h2c with prior knowledge) to one backend endpoint, carrying many
/// ``RPCStream``s. It owns an nghttp2 session and the libevent bufferevent under it, and lives on
/// one worker's loop.
///
/// States: `connecting` → `ready` (peer SETTINGS seen) → `draining` (GOAWAY received: in-flight
/// streams finish, no new ones) → `closed`. A connection may take streams while `connecting`: the
/// frames wait in the output buffer until the socket connects.
///
/// nghttp2 callbacks live in `Connection+Callbacks.swift`; nothing else touches `Unmanaged`.
/// nghttp2 must not be re-entered from its own callbacks, so sends triggered inside them are only
/// flushed after `nghttp2_session_mem_recv` returns, and teardown waits for that point too.
final class Connection {
    enum State {
        case connecting
        case ready
        case draining
        case closed
    }

    private(set) var state: State = .connecting
    let endpoint: BackendEndpoint
    /// The `:scheme` of requests: `https` over TLS, `http` for h2c.
    var scheme: String { settings.tls == nil ? "http" : "https" }
    weak var owner: (any ConnectionOwner)?

    var session: OpaquePointer?
    private var bufferevent: OpaquePointer?
    private var connectTimer: EventTimer?
    /// Streams by HTTP/2 id; the strong references that keep in-flight calls' streams alive.
    var streams: [Int32: RPCStream] = [:]
    /// True while nghttp2 is running one of our callbacks (or we are inside mem_recv/send).
    var isInsideSession = false
    /// A teardown asked for while inside nghttp2, done when it returns.
    private var pendingFailure: String?

    /// Above this many bytes queued towards the backend socket, the send callback tells nghttp2
    /// to wait (WOULDBLOCK); the bufferevent's write callback resumes it once written out.
    static let outputHighWaterMark = 64 * 1024

    let settings: ConnectionSettings
    private var keepaliveTimer: EventTimer?
    /// Whether the socket (and TLS) ever connected: before that no request byte left, so a failure
    /// cannot have reached the backend and its calls may be sent elsewhere.
    private var socketConnected = false
    private var lastFrameReceivedAt = ContinuousClock.now
    private var pingSentAt: ContinuousClock.Instant?

    /// Opens a connection: starts the TCP connect and queues the HTTP/2 preface and SETTINGS.
    init(loop: EventLoop, endpoint: BackendEndpoint, settings: ConnectionSettings, owner: any ConnectionOwner) throws(BackendError) {
        self.endpoint = endpoint
        self.owner = owner
        self.settings = settings

        let bufferevent: OpaquePointer
        if let tls = settings.tls {
            guard let ssl = tls.makeSession(host: endpoint.host),
                let created = bufferevent_openssl_socket_new(
                    loop.base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue))
            else {
                throw BackendError("cannot start TLS to \(endpoint): \(TLSClientContext.lastError())")
            }
            // Servers that close without close_notify are common; their EOF is still an EOF.
            bufferevent_openssl_set_allow_dirty_shutdown(created, 1)
            bufferevent = created
        } else {
            let fd = socket(endpoint.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw BackendError("socket: \(String(cString: strerror(errno)))") }
            Self.disableNagle(fd)
            guard let created = bufferevent_socket_new(loop.base, fd, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)) else {
                close(fd)
                throw BackendError("bufferevent_socket_new failed")
            }
            bufferevent = created
        }
        self.bufferevent = bufferevent
        self.session = Self.makeSession(owner: self)
        installBuffereventCallbacks(bufferevent)
        bufferevent_enable(bufferevent, Int16(EV_READ | EV_WRITE))

        submitInitialSettings()
        let connected = endpoint.addressBytes.withUnsafeBytes { raw in
            bufferevent_socket_connect(bufferevent, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), Int32(raw.count))
        }
        if connected != 0 {
            throw BackendError("connect to \(endpoint) failed: \(String(cString: strerror(errno)))")
        }
        let timer = EventTimer(loop: loop) { [weak self] in
            self?.connectTimeoutDidFire()
        }
        timer.schedule(after: settings.connectTimeout)
        connectTimer = timer
        if let interval = settings.keepaliveInterval {
            let keepalive = EventTimer(loop: loop) { [weak self] in
                self?.keepaliveTimerDidFire()
            }
            keepalive.schedule(after: interval)
            keepaliveTimer = keepalive
        }
        flush()
    }

    deinit {
        if let session {
            nghttp2_session_del(session)
        }
        if let bufferevent {
            bufferevent_free(bufferevent)
        }
    }

    /// gRPC messages are small and latency-bound: never let Nagle hold a frame back.
    private static func disableNagle(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Set by ``closeWhenIdle()``: the endpoint left the backend's rotation.
    private var closesWhenIdle = false

    /// Whether a new stream may be opened here now.
    var canTakeStream: Bool {
        guard state == .connecting || state == .ready, !closesWhenIdle, let session else { return false }
        let limit = nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
        return streams.count < Int(min(limit, UInt32(Int32.max)))
    }

    /// Number of streams in flight.
    var activeStreams: Int { streams.count }

    private func submitInitialSettings() {
        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: UInt32(self.settings.streamWindow)),
        ]
        _ = nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count)
        _ = nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, self.settings.connectionWindow)
    }

    // MARK: Streams

    /// Submits `stream`'s request: pseudo-headers first, then its headers in order (the caller
    /// puts `grpc-timeout` and `content-type` first), then `te: trailers`, which gRPC requires to
    /// detect proxies that would drop trailers.
    /// - Returns: false if nghttp2 refused (the session is unusable).
    func start(_ stream: RPCStream) -> Bool {
        guard let session else { return false }
        stream.attempts += 1
        let authority = stream.authority ?? endpoint.authority
        var fields: [(String, String)] = [(":method", "POST"), (":scheme", scheme), (":path", stream.path), (":authority", authority)]
        fields.reserveCapacity(stream.headers.count + 5)
        for header in stream.headers { fields.append((header.name, header.value)) }
        fields.append(("te", "trailers"))

        // One scratch buffer for every name and value; nghttp2 copies them during submit.
        var storage: [UInt8] = []
        storage.reserveCapacity(fields.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count })
        var ranges: [(Int, Int, Int, Int)] = []
        ranges.reserveCapacity(fields.count)
        for (name, value) in fields {
            let nameStart = storage.count
            storage.append(contentsOf: name.utf8)
            let valueStart = storage.count
            storage.append(contentsOf: value.utf8)
            ranges.append((nameStart, valueStart - nameStart, valueStart, storage.count - valueStart))
        }
        let streamID: Int32 = storage.withUnsafeMutableBufferPointer { bytes in
            let base = bytes.baseAddress ?? UnsafeMutablePointer<UInt8>(bitPattern: 1)!
            var nva = ranges.map { range in
                nghttp2_nv(
                    name: base + range.0, value: base + range.2, namelen: range.1, valuelen: range.3,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            var provider = nghttp2_data_provider(
                source: nghttp2_data_source(ptr: Unmanaged.passUnretained(stream).toOpaque()),
                read_callback: Self.readRequestBody)
            return nghttp2_submit_request(session, nil, &nva, nva.count, &provider, Unmanaged.passUnretained(stream).toOpaque())
        }
        guard streamID > 0 else { return false }
        stream.streamID = streamID
        streams[streamID] = stream
        flush()
        return true
    }

    /// More request bytes (or the end) are queued on `stream`: wake nghttp2's data provider.
    func outboundDidGrow(_ stream: RPCStream) {
        guard let session, stream.outboundDeferred else { return }
        stream.outboundDeferred = false
        _ = nghttp2_session_resume_data(session, stream.streamID)
        flush()
    }

    /// Returns flow-control credit for bytes the caller has passed on.
    func consume(_ count: Int, on stream: RPCStream) {
        guard let session else { return }
        _ = nghttp2_session_consume(session, stream.streamID, count)
        flush()
    }

    /// Resets `stream` with CANCEL so the backend stops working on it.
    func cancel(_ stream: RPCStream) {
        guard let session, stream.streamID > 0 else { return }
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.streamID, NGHTTP2_CANCEL.rawValue)
        flush()
    }

    // MARK: I/O

    /// Writes whatever nghttp2 has queued, unless we are inside nghttp2 (then the caller that
    /// entered nghttp2 flushes when it returns).
    func flush() {
        guard !isInsideSession, let session, state != .closed else { return }
        isInsideSession = true
        let result = nghttp2_session_send(session)
        isInsideSession = false
        if result != 0 {
            fail("HTTP/2 send failed: \(String(cString: nghttp2_strerror(result)))")
            return
        }
        tellStreamsAboutOutboundSpace()
        closeIfFinished()
    }

    /// Streams whose queued request bytes fell below their low-water mark while nghttp2 was
    /// sending; told after it returned, since their callers may send at once.
    private var streamsWithOutboundSpace: [RPCStream] = []

    func streamHasOutboundSpace(_ stream: RPCStream) {
        streamsWithOutboundSpace.append(stream)
        if !isInsideSession {
            tellStreamsAboutOutboundSpace()
        }
    }

    private func tellStreamsAboutOutboundSpace() {
        while !streamsWithOutboundSpace.isEmpty {
            let streams = streamsWithOutboundSpace
            streamsWithOutboundSpace.removeAll()
            for stream in streams where !stream.isFinished {
                stream.delegate?.rpcStreamCanSendMore(stream)
            }
        }
    }

    /// Feeds bytes read from the socket to nghttp2.
    func socketDidRead() {
        guard let bufferevent, let session else { return }
        lastFrameReceivedAt = ContinuousClock.now
        let input = bufferevent_get_input(bufferevent)
        isInsideSession = true
        var failure: String?
        while evbuffer_get_length(input) > 0 {
            let contiguous = evbuffer_get_contiguous_space(input)
            guard let pointer = evbuffer_pullup(input, contiguous) else { break }
            let consumed = nghttp2_session_mem_recv(session, pointer, contiguous)
            if consumed < 0 {
                failure = "HTTP/2 protocol error from backend: \(String(cString: nghttp2_strerror(Int32(consumed))))"
                break
            }
            evbuffer_drain(input, Int(consumed))
        }
        isInsideSession = false
        if let failure = failure ?? pendingFailure {
            fail(failure)
            return
        }
        flush()
    }

    /// The socket connected, or failed.
    func socketDidReceiveEvent(_ events: Int16) {
        if events & Int16(BEV_EVENT_CONNECTED) != 0 {
            socketConnected = true
            if settings.tls != nil, let bufferevent {
                Self.disableNagle(bufferevent_getfd(bufferevent))
                let ssl = bufferevent_openssl_get_ssl(bufferevent)
                guard let ssl, TLSClientContext.negotiatedProtocol(ssl) == "h2" else {
                    fail("the backend did not select HTTP/2 (ALPN h2) in the TLS handshake")
                    return
                }
            }
            flush()
            return
        }
        if events & Int16(BEV_EVENT_EOF) != 0 {
            fail(state == .connecting ? "connection closed before HTTP/2 started" : "backend closed the connection")
        } else if events & Int16(BEV_EVENT_ERROR) != 0 {
            let code = errno
            if settings.tls != nil, let bufferevent, case let tlsError = bufferevent_get_openssl_error(bufferevent), tlsError != 0 {
                fail("TLS: \(TLSClientContext.lastError(tlsError))")
            } else {
                fail(code != 0 ? String(cString: strerror(code)) : "socket error")
            }
        }
    }

    /// The socket took everything queued: let nghttp2 produce more (it may have been told to wait).
    func socketDidDrain() {
        flush()
    }

    private func connectTimeoutDidFire() {
        guard state == .connecting else { return }
        fail("connect timed out after \(settings.connectTimeout)")
    }

    /// Keepalive: with calls in flight and nothing heard for the interval, PING; a PING left
    /// unanswered past the timeout means the peer (or the path to it) is dead.
    private func keepaliveTimerDidFire() {
        guard state != .closed, let interval = settings.keepaliveInterval, let session else { return }
        let now = ContinuousClock.now
        if let sent = pingSentAt {
            if now - sent >= settings.keepaliveTimeout {
                fail("keepalive PING not acknowledged within \(settings.keepaliveTimeout)")
                return
            }
            keepaliveTimer?.schedule(after: settings.keepaliveTimeout - (now - sent))
            return
        }
        let quiet = now - lastFrameReceivedAt
        if quiet >= interval, !streams.isEmpty {
            pingSentAt = now
            _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
            flush()
            keepaliveTimer?.schedule(after: settings.keepaliveTimeout)
        } else {
            keepaliveTimer?.schedule(after: quiet >= interval ? interval : interval - quiet)
        }
    }

    func pingAcknowledged() {
        pingSentAt = nil
        if let interval = settings.keepaliveInterval {
            keepaliveTimer?.schedule(after: interval)
        }
    }

    // MARK: Session events (called from the callbacks)

    func peerSettingsDidArrive() {
        guard state == .connecting else { return }
        state = .ready
        connectTimer?.cancel()
        connectTimer = nil
        owner?.connectionDidBecomeReady(self)
    }

    func goAwayDidArrive() {
        if state == .connecting || state == .ready {
            state = .draining
        }
    }

    /// nghttp2 wants to write `bytes`.
    func sessionWantsToSend(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let bufferevent else { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
        let output = bufferevent_get_output(bufferevent)
        if evbuffer_get_length(output) > Self.outputHighWaterMark {
            return Int(NGHTTP2_ERR_WOULDBLOCK.rawValue)
        }
        _ = evbuffer_add(output, bytes.baseAddress, bytes.count)
        return bytes.count
    }

    /// nghttp2 closed a stream: deliver a status if the stream has not finished yet.
    func streamDidClose(_ streamID: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        // Credit the caller has not returned yet would otherwise be lost from the connection window.
        if stream.unconsumedBytes > 0, let session {
            // The stream is closed, so this credits the connection window only.
            _ = nghttp2_session_consume(session, streamID, stream.unconsumedBytes)
            stream.unconsumedBytes = 0
        }
        if errorCode == NGHTTP2_REFUSED_STREAM.rawValue, stream.isReplayable, owner?.connection(self, couldNotDeliver: stream) == true {
            // Refused (or above a GOAWAY's last stream id): the backend never processed it, and
            // it has been sent again on another connection.
            return
        }
        if errorCode == NGHTTP2_NO_ERROR.rawValue {
            if !stream.headDelivered && stream.httpStatus != 0 {
                // A reply that was not gRPC (a proxy's 503 page, say) ended with its body: its
                // HTTP status says what happened (http-grpc-status-mapping).
                stream.finish(Self.status(of: stream), trailers: [])
                return
            }
            stream.finish(GRPCStatus(.internalError, "backend closed the stream without sending trailers"), trailers: [])
        } else {
            let code = StatusMapping.code(forRSTStreamErrorCode: errorCode)
            let name = String(cString: nghttp2_http2_strerror(errorCode))
            stream.finish(GRPCStatus(code, "backend reset the stream: \(name)"), trailers: [])
        }
    }

    // MARK: Teardown

    /// Takes no new streams and closes once the streams in flight have finished (at once if
    /// there are none), for an endpoint that re-resolution removed. Unlike a GOAWAY drain, the
    /// state stays as it is, so a connection that never comes up still replays its calls.
    func closeWhenIdle() {
        closesWhenIdle = true
        flush()
    }

    /// Fails every stream with UNAVAILABLE and closes. Deferred if inside nghttp2.
    func fail(_ reason: String) {
        guard state != .closed else { return }
        if isInsideSession {
            pendingFailure = pendingFailure ?? reason
            return
        }
        let wasConnecting = state == .connecting
        state = .closed
        connectTimer?.cancel()
        keepaliveTimer?.cancel()
        let failed = streams.values.sorted { $0.streamID < $1.streamID }
        streams.removeAll()
        releaseResources()
        let message = "backend \(endpoint) unavailable: \(reason)"
        for stream in failed {
            stream.unconsumedBytes = 0
            // A connection whose socket never connected sent nothing: its calls may go elsewhere.
            // (One that connected but never got the peer's SETTINGS may have delivered them.)
            if wasConnecting, !socketConnected, stream.isReplayable, owner?.connection(self, couldNotDeliver: stream) == true {
                continue
            }
            stream.finish(GRPCStatus(.unavailable, message), trailers: [])
        }
        // Only a connection that never became usable counts against the backoff: when an established
        // one breaks, the next call reconnects at once (the backend may already be back).
        owner?.connectionDidClose(self, failure: wasConnecting ? reason : nil)
    }

    /// Closes quietly once a draining (or dead) session has nothing left to do.
    private func closeIfFinished() {
        guard let session, state != .closed else { return }
        let done = ((state == .draining || closesWhenIdle) && streams.isEmpty)
            || (nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0)
        guard done else { return }
        state = .closed
        connectTimer?.cancel()
        keepaliveTimer?.cancel()
        let remaining = streams.values
        streams.removeAll()
        for stream in remaining {
            stream.finish(GRPCStatus(.unavailable, "backend \(endpoint) closed the connection"), trailers: [])
        }
        releaseResources()
        owner?.connectionDidClose(self, failure: nil)
    }

    private func releaseResources() {
        if let bufferevent {
            // Safe inside a bufferevent callback: libevent defers the free until it returns.
            bufferevent_free(bufferevent)
            self.bufferevent = nil
        }
        if let session {
            nghttp2_session_del(session)
            self.session = nil
        }
    }
}
