internal import CLibevent
public import Reactor

/// Told about what happens to an exchange after the handler has taken it.
public protocol HTTPExchangeDelegate: AnyObject {
    /// The client closed the connection (or it failed) before the response was finished.
    /// The exchange is dead: every later write is ignored.
    func exchangeClientDidDisconnect(_ exchange: HTTPExchange)
    /// The bytes written so far have all reached the socket, after ``HTTPExchange/sendChunk(_:)``
    /// reported that the output was over its high-water mark.
    func exchangeDidDrain(_ exchange: HTTPExchange)
}

/// One request read by ``HTTPServer`` and the response being written to it.
///
/// Read the request through its properties; answer with either ``respond(status:headers:body:)``
/// (a whole response, sent with `Content-Length`) or ``startStreaming(status:headers:)``,
/// ``sendChunk(_:)`` … and ``finishStreaming(closeConnection:)`` (chunked transfer encoding, each
/// chunk written to the socket as soon as the loop runs).
///
/// Lifetime: the exchange keeps itself alive (one retain held on libevent's behalf) until the
/// response is finished or the client goes away. After the client goes away every response call
/// is a no-op, so the owner need not race with disconnects; calling a response method in a
/// state that cannot take it (a second response, a chunk before the head) is a programming error
/// and traps.
public final class HTTPExchange {
    /// Where the response is. Transitions: awaitingResponse → streaming → finished, or any → clientGone.
    private enum State {
        case awaitingResponse
        case streaming
        case finished
        case clientGone
    }

    /// The evhttp request; nil once libevent has it back (response finished) or it was freed.
    private var request: OpaquePointer?
    private var state: State = .awaitingResponse
    /// The server that read the request; it outlives every exchange (it lives as long as its loop).
    private unowned let server: HTTPServer
    /// Tells the server, exactly once, that this exchange is over.
    private let completion: ExchangeCompletion
    private var idleTimeout: Duration { server.configuration.idleTimeout }
    /// Set while this exchange is registered as its connection's close callback argument.
    private var retainedForCloseCallback: Unmanaged<HTTPExchange>?
    private var drainRequested = false

    /// Receives disconnect and drain notifications. Held strongly until the exchange ends, then
    /// released, so an owner may be kept alive by its exchange.
    public var delegate: (any HTTPExchangeDelegate)?

    /// The request method.
    public let method: HTTPMethod
    /// The request target's path, still percent-encoded, without the query.
    public let path: String
    /// The raw query string (after `?`), nil if there was none.
    public let query: String?

    /// Above this many bytes waiting in the socket's output buffer, ``sendChunk(_:)`` reports
    /// that the writer should pause: 64 KiB keeps a slow client from growing memory while still
    /// letting a fast one fill the kernel's socket buffer.
    public static let outputHighWaterMark = 64 * 1024

    init(request: OpaquePointer, server: HTTPServer, completion: ExchangeCompletion) {
        self.request = request
        self.server = server
        self.completion = completion
        self.method = HTTPMethod(evhttp_request_get_command(request))
        if let uri = evhttp_request_get_evhttp_uri(request) {
            self.path = evhttp_uri_get_path(uri).map { String(cString: $0) } ?? "/"
            self.query = evhttp_uri_get_query(uri).map { String(cString: $0) }
        } else {
            self.path = "/"
            self.query = nil
        }
        let retained = Unmanaged.passRetained(self)
        retainedForCloseCallback = retained
        evhttp_connection_set_closecb(evhttp_request_get_connection(request), { _, argument in
            Unmanaged<HTTPExchange>.fromOpaque(argument!).takeUnretainedValue().connectionDidClose()
        }, retained.toOpaque())
    }

    // MARK: Request

    /// The value of the first request header called `name` (case-insensitive), nil if absent.
    public func header(_ name: String) -> String? {
        guard let request, let value = evhttp_find_header(evhttp_request_get_input_headers(request), name) else {
            return nil
        }
        return String(cString: value)
    }

    /// Calls `body` with each request header, in the order received, names as the client sent them.
    public func forEachHeader(_ body: (_ name: UnsafePointer<CChar>, _ value: UnsafePointer<CChar>) -> Void) {
        guard let request else { return }
        var entry = CLibevent_evkeyvalq_first(evhttp_request_get_input_headers(request))
        while let current = entry {
            body(current.pointee.key, current.pointee.value)
            entry = CLibevent_evkeyval_next(current)
        }
    }

    /// The request body as read by evhttp. Borrowed: move its bytes out (``Buffer/append(moving:)``)
    /// before answering, because libevent frees it with the request.
    public var body: Buffer {
        guard let request else { preconditionFailure("the request body was read after the exchange ended") }
        return Buffer(borrowing: evhttp_request_get_input_buffer(request))
    }

    /// The client's address as text (no port), for `x-forwarded-for`.
    public var peerAddress: String {
        guard let request, let connection = evhttp_request_get_connection(request) else { return "" }
        var address: UnsafeMutablePointer<CChar>?
        var port: UInt16 = 0
        evhttp_connection_get_peer(connection, &address, &port)
        return address.map { String(cString: $0) } ?? ""
    }

    /// Whether the request came over TLS (for `x-forwarded-proto`).
    public var isSecure: Bool { server.isSecure }

    /// The status of the response head written, nil before one is written.
    public private(set) var responseStatus: Int?

    /// Whether the response has been finished or the client is gone.
    public var isDone: Bool {
        state == .finished || state == .clientGone
    }

    /// Whether the client went away before the response was finished.
    public var isClientGone: Bool {
        state == .clientGone
    }

    // MARK: Watching the client while the backend works

    /// Makes a disconnect visible while no response byte has been written yet.
    ///
    /// evhttp stops reading once a request is complete, so a client that leaves while the backend
    /// is still working would go unnoticed. This re-enables reading with no read callback (evhttp's
    /// own read callback must not run in this state: it aborts the process), so an EOF reaches
    /// evhttp's event callback, which fails the connection and calls ``HTTPExchangeDelegate/
    /// exchangeClientDidDisconnect(_:)``. A read high-water mark keeps a pipelining client from
    /// filling memory meanwhile. The read timeout is lifted too: a client waiting for a long
    /// stream sends nothing, and evhttp's default read timeout would otherwise cut it.
    public func watchForClientDisconnect() {
        guard state == .awaitingResponse, let bufferevent = connectionBufferevent else { return }
        var writeCallback: bufferevent_data_cb?
        var eventCallback: bufferevent_event_cb?
        var argument: UnsafeMutableRawPointer?
        bufferevent_getcb(bufferevent, nil, &writeCallback, &eventCallback, &argument)
        bufferevent_setcb(bufferevent, nil, writeCallback, eventCallback, argument)
        bufferevent_setwatermark(bufferevent, Int16(EV_READ), 0, 64 * 1024)
        var write = idleTimeout.timeval
        bufferevent_set_timeouts(bufferevent, nil, &write)
        bufferevent_enable(bufferevent, Int16(EV_READ))
    }

    private var connectionBufferevent: OpaquePointer? {
        guard let request, let connection = evhttp_request_get_connection(request) else { return nil }
        return evhttp_connection_get_bufferevent(connection)
    }

    /// Bytes written but not yet taken by the socket.
    public var pendingOutputBytes: Int {
        guard let bufferevent = connectionBufferevent else { return 0 }
        return evbuffer_get_length(bufferevent_get_output(bufferevent))
    }

    // MARK: Response

    /// Sends a whole response with `Content-Length` and ends the exchange.
    /// - Parameters:
    ///   - status: the HTTP status code.
    ///   - headers: response headers, in order.
    ///   - body: the body; its bytes are moved out. nil for an empty body.
    public func respond(status: Int, headers: [(name: String, value: String)], body: Buffer?) {
        switch state {
        case .clientGone: return
        case .awaitingResponse: break
        case .streaming, .finished: preconditionFailure("respond called on an exchange that already answered")
        }
        guard let request else { return }
        responseStatus = status
        addHeaders(headers, to: request)
        endOfExchange()
        // evhttp writes any body it is given, even where HTTP forbids one; a body after a HEAD,
        // 1xx, 204 or 304 head would be read by the client as the start of the next response.
        let forbidsBody = method == .head || (100..<200).contains(status) || status == 204 || status == 304
        evhttp_send_reply(request, Int32(status), HTTPReasonPhrase.phrase(for: status), forbidsBody ? nil : body?.raw)
    }

    /// Sends the response head; the body follows as chunks.
    public func startStreaming(status: Int, headers: [(name: String, value: String)]) {
        switch state {
        case .clientGone: return
        case .awaitingResponse: break
        case .streaming, .finished: preconditionFailure("startStreaming called on an exchange that already answered")
        }
        guard let request else { return }
        responseStatus = status
        addHeaders(headers, to: request)
        state = .streaming
        // Before HTTP/1.1 there is no chunked encoding, so a streamed body can only end with the
        // connection; evhttp would instead honour an HTTP/1.0 "Connection: keep-alive" and send
        // "Content-Length: 0". Dropping the client's keep-alive request makes it close.
        if let value = header("Connection"), value.lowercased() == "keep-alive" {
            evhttp_remove_header(evhttp_request_get_input_headers(request), "Connection")
        }
        evhttp_send_reply_start(request, Int32(status), HTTPReasonPhrase.phrase(for: status))
        // Streams are long-lived: lift the read timeout that evhttp_send_reply_start keeps, so a
        // quiet client is not cut off (the write timeout still catches a client that stopped reading).
        if let bufferevent = connectionBufferevent {
            var write = idleTimeout.timeval
            bufferevent_set_timeouts(bufferevent, nil, &write)
        }
    }

    /// Writes one chunk (its bytes are moved out of `chunk`).
    /// - Returns: false when the output is over ``outputHighWaterMark``; the delegate then gets
    ///   ``HTTPExchangeDelegate/exchangeDidDrain(_:)`` once it has been written out.
    @discardableResult
    public func sendChunk(_ chunk: Buffer) -> Bool {
        switch state {
        case .clientGone: return true
        case .streaming: break
        case .awaitingResponse, .finished: preconditionFailure("sendChunk called outside a streamed response")
        }
        guard let request, !chunk.isEmpty else { return true }
        evhttp_send_reply_chunk_with_cb(request, chunk.raw, { _, argument in
            Unmanaged<HTTPExchange>.fromOpaque(argument!).takeUnretainedValue().outputDidDrain()
        }, Unmanaged.passUnretained(self).toOpaque())
        if pendingOutputBytes > Self.outputHighWaterMark {
            drainRequested = true
            return false
        }
        return true
    }

    /// Ends a streamed response.
    /// - Parameter closeConnection: true to close the connection instead of writing the final
    ///   zero-length chunk, so the client sees an incomplete response (used when a stream fails
    ///   after its head was sent and the format has no way to say so).
    public func finishStreaming(closeConnection: Bool = false) {
        switch state {
        case .clientGone: return
        case .streaming: break
        case .awaitingResponse, .finished: preconditionFailure("finishStreaming called outside a streamed response")
        }
        guard let request else { return }
        endOfExchange()
        if closeConnection, let connection = evhttp_request_get_connection(request) {
            closeAfterOutputDrains(connection)
            completion.fire()
        } else {
            evhttp_send_reply_end(request)
        }
    }

    /// Ends a streamed response with trailer fields (RFC 9112 §7.1.2), for clients that sent
    /// `TE: trailers`. libevent 2.1 cannot send trailers, so the last chunk is written here and
    /// the connection is closed once it has drained (evhttp would otherwise write its own last
    /// chunk); the response is complete, only the connection is not reused.
    public func finishStreaming(trailers: [(name: String, value: String)]) {
        switch state {
        case .clientGone: return
        case .streaming: break
        case .awaitingResponse, .finished: preconditionFailure("finishStreaming called outside a streamed response")
        }
        guard let request, let connection = evhttp_request_get_connection(request),
            let bufferevent = evhttp_connection_get_bufferevent(connection)
        else { return }
        endOfExchange()
        var text = "0\r\n"
        for trailer in trailers {
            // Trailer values come from the backend: no CR or LF may reach the wire.
            let value = String(trailer.value.map { $0 == "\r" || $0 == "\n" ? " " : $0 })
            text += "\(trailer.name): \(value)\r\n"
        }
        text += "\r\n"
        let output = Buffer(borrowing: bufferevent_get_output(bufferevent))
        output.append(text)
        closeAfterOutputDrains(connection)
        completion.fire()
    }

    /// Whether the client asked for trailers (`TE: trailers`).
    public var acceptsTrailers: Bool {
        header("TE")?.lowercased().split(separator: ",").contains { $0.trimmingCharacters() == "trailers" } ?? false
    }

    /// Cuts the connection once everything already written has reached the socket, so the client
    /// gets every message sent so far and then sees the response end early (no final chunk).
    /// Freeing the connection at once would discard bytes still in its output buffer.
    private func closeAfterOutputDrains(_ connection: OpaquePointer) {
        guard let bufferevent = evhttp_connection_get_bufferevent(connection) else {
            evhttp_connection_free(connection)
            return
        }
        bufferevent_disable(bufferevent, Int16(EV_READ))
        let free: bufferevent_event_cb = { _, _, argument in
            evhttp_connection_free(OpaquePointer(argument!))
        }
        bufferevent_setcb(bufferevent, nil, { bufferevent, argument in
            // Called when the output buffer has drained (low watermark 0).
            if evbuffer_get_length(bufferevent_get_output(bufferevent)) == 0 {
                evhttp_connection_free(OpaquePointer(argument!))
            }
        }, free, UnsafeMutableRawPointer(connection))
        bufferevent_enable(bufferevent, Int16(EV_WRITE))
        if evbuffer_get_length(bufferevent_get_output(bufferevent)) == 0 {
            evhttp_connection_free(connection)
        }
    }

    /// Leaves the exchange to libevent: no more close or drain callbacks reach this object, and
    /// the connection's read timeout and watermark are back to their keep-alive values.
    private func endOfExchange() {
        state = .finished
        if let bufferevent = connectionBufferevent {
            var idle = idleTimeout.timeval
            bufferevent_set_timeouts(bufferevent, &idle, &idle)
            bufferevent_setwatermark(bufferevent, Int16(EV_READ), 0, 0)
        }
        if let request, let connection = evhttp_request_get_connection(request) {
            // The close callback is per connection: leaving this exchange's would call a dead
            // object during the next keep-alive request. Until evhttp reports the response
            // written, a close still has to end the exchange for the server's count.
            completion.watchClose(of: connection)
        }
        request = nil
        delegate = nil
        releaseCloseCallbackRetain()
    }

    private func releaseCloseCallbackRetain() {
        if let retained = retainedForCloseCallback {
            retainedForCloseCallback = nil
            retained.release()
        }
    }

    private func connectionDidClose() {
        guard state == .awaitingResponse || state == .streaming else { return }
        state = .clientGone
        // libevent has detached the unfinished request from the dead connection: it is ours to
        // free. (Only a request still attached would be freed by libevent itself.)
        if let request, evhttp_request_get_connection(request) == nil {
            evhttp_request_free(request)
        }
        request = nil
        let delegate = self.delegate
        self.delegate = nil
        delegate?.exchangeClientDidDisconnect(self)
        // The request was freed without completing, so evhttp will not report its completion.
        completion.fire()
        releaseCloseCallbackRetain()
    }

    private func outputDidDrain() {
        guard state == .streaming, drainRequested else { return }
        drainRequested = false
        delegate?.exchangeDidDrain(self)
    }

    private func addHeaders(_ headers: [(name: String, value: String)], to request: OpaquePointer) {
        let output = evhttp_request_get_output_headers(request)
        for header in headers {
            evhttp_add_header(output, header.name, header.value)
        }
        if server.isDraining {
            // Shutting down: evhttp closes the connection after this response.
            evhttp_add_header(output, "Connection", "close")
        }
    }

}

/// Ends one exchange for its server's count exactly once, whichever comes first: evhttp reporting
/// the response written (on-complete callback), the client leaving before the response was
/// finished, or the connection closing after the response was handed to evhttp but before it was
/// all written. Holds one retain of itself while libevent may still call it.
final class ExchangeCompletion {
    private unowned let server: HTTPServer
    private var fired = false
    private var retained: Unmanaged<ExchangeCompletion>?
    private var watchedConnection: OpaquePointer?

    init(server: HTTPServer) {
        self.server = server
    }

    /// The argument for libevent callbacks, retained until ``fire()``.
    var opaque: UnsafeMutableRawPointer {
        if retained == nil { retained = Unmanaged.passRetained(self) }
        return retained!.toOpaque()
    }

    /// Makes a close of `connection` end the exchange (until the response is reported written).
    func watchClose(of connection: OpaquePointer) {
        guard !fired else { return }
        watchedConnection = connection
        evhttp_connection_set_closecb(connection, { _, argument in
            Unmanaged<ExchangeCompletion>.fromOpaque(argument!).takeUnretainedValue().fire()
        }, opaque)
    }

    /// Ends the exchange for the server, once.
    func fire() {
        guard !fired else { return }
        fired = true
        if let connection = watchedConnection {
            // The connection lives on for the next request: its close no longer concerns us.
            evhttp_connection_set_closecb(connection, nil, nil)
            watchedConnection = nil
        }
        server.exchangeDidEnd()
        if let retained {
            self.retained = nil
            retained.release()
        }
    }
}

extension Substring {
    /// The text without surrounding spaces and tabs.
    fileprivate func trimmingCharacters() -> Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
