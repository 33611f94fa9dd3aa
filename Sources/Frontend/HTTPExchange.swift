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
    /// More of the request body is in ``HTTPExchange/body``, or the body has ended
    /// (``HTTPExchange/isBodyComplete``).
    func exchangeDidReceiveBody(_ exchange: HTTPExchange)
}

extension HTTPExchangeDelegate {
    public func exchangeDidReceiveBody(_ exchange: HTTPExchange) {}
}

/// One request read by ``HTTPServer`` and the response being written to it.
///
/// Read the request through its properties. Its body arrives in ``body``: for most requests all
/// of it is there when the handler gets the exchange (``isBodyComplete``); for a larger or
/// streamed one the delegate hears ``HTTPExchangeDelegate/exchangeDidReceiveBody(_:)`` as more
/// comes, and the server stops reading once ``bodyBufferLimit`` bytes wait, until the consumer
/// takes some and calls ``bodyWasConsumed()``: that is how an upload is paced by whoever reads it.
///
/// Answer with either ``respond(status:headers:body:)`` (a whole response, sent with
/// `Content-Length`) or ``startStreaming(status:headers:)``, ``sendChunk(_:)`` … and
/// ``finishStreaming(closeConnection:)`` (chunked transfer encoding, written at the end of the
/// loop turn). After the client goes away every response call is a no-op, so the owner need not
/// race with disconnects; calling a response method in a state that cannot take it (a second
/// response, a chunk before the head) is a programming error and traps.
public final class HTTPExchange {
    /// Where the response is. Transitions: awaitingResponse → streaming → finished, or any → clientGone.
    private enum State {
        case awaitingResponse
        case streaming
        case finished
        case clientGone
    }

    private let head: HTTPRequestHead
    /// The connection, until the exchange is over.
    private var connection: HTTPConnection?
    private var state: State = .awaitingResponse
    private var drainRequested = false
    /// Whether the server's count of exchanges in flight has been told this one is over.
    private var counted = false
    /// Whether the streamed body is chunked (HTTP/1.1) or runs until the connection closes (HTTP/1.0).
    private var chunked = true
    /// Whether a streamed response carries no body at all (HEAD, 204, 304): its chunks are dropped.
    private var bodiless = false

    /// Receives disconnect, drain and body notifications. Held strongly until the exchange ends,
    /// then released, so an owner may be kept alive by its exchange.
    public var delegate: (any HTTPExchangeDelegate)?

    /// The request method.
    public var method: HTTPMethod { head.method }
    /// The request target's path, still percent-encoded, without the query.
    public var path: String { head.path }
    /// The raw query string (after `?`), nil if there was none.
    public var query: String? { head.query }
    /// The request's `Content-Length`, nil for a chunked body.
    public var declaredBodyLength: Int? {
        if case .length(let length) = head.framing { return length }
        return nil
    }

    /// Request body bytes received and not yet taken. Take them by moving them out
    /// (``Buffer/append(moving:)``, ``Buffer/drain(_:)``) and then call ``bodyWasConsumed()``.
    public let body = Buffer()
    /// Whether the last byte of the request body is in ``body`` (or was taken from it).
    public private(set) var isBodyComplete: Bool
    /// How many bytes ``body`` may hold before the server stops reading the request. Raise it to
    /// collect a whole body; lower values pace an upload by its consumer.
    public var bodyBufferLimit: Int
    /// Whether a body that stops arriving for `idle_timeout` ends the exchange with 408. True for
    /// a body read in one piece; a consumer that streams the body to a call (a client stream,
    /// whose client may well pause between messages) turns it off: streams have no default
    /// timeout, only the call's own deadline.
    public var limitsBodyStalls = true

    /// Above this many bytes waiting in the socket's output buffer, ``sendChunk(_:)`` reports
    /// that the writer should pause: 64 KiB keeps a slow client from growing memory while still
    /// letting a fast one fill the kernel's socket buffer.
    public static let outputHighWaterMark = 64 * 1024

    init(head: HTTPRequestHead, connection: HTTPConnection, bodyComplete: Bool) {
        self.head = head
        self.connection = connection
        self.isBodyComplete = bodyComplete
        self.bodyBufferLimit = connection.server.configuration.bodyBufferBytes
        self.isSecure = connection.isTLS
    }

    // MARK: Request

    /// The value of the first request header called `name` (case-insensitive), nil if absent.
    public func header(_ name: String) -> String? {
        head.header(name)
    }

    /// Calls `body` with each request header's lowercased name and its value, in the order received.
    public func forEachHeader(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        head.forEachHeader(body)
    }

    /// The client's address as text (no port), for `x-forwarded-for`.
    public var peerAddress: String {
        connection?.peerAddress ?? ""
    }

    /// Whether the request came over TLS (for `x-forwarded-proto`).
    public let isSecure: Bool

    /// Tells the server that body bytes were taken, so it reads on if it had stopped for room.
    public func bodyWasConsumed() {
        connection?.bodyWasConsumed()
    }

    /// The status of the response head written, nil before one is written.
    public private(set) var responseStatus: Int?

    /// Whether a response head has been written (or the client is gone).
    var hasResponded: Bool { state != .awaitingResponse }

    /// Whether the response has been finished or the client is gone.
    public var isDone: Bool {
        state == .finished || state == .clientGone
    }

    /// Whether the client went away before the response was finished.
    public var isClientGone: Bool {
        state == .clientGone
    }

    /// Whether the client asked for trailers (`TE: trailers`).
    public var acceptsTrailers: Bool {
        header("TE")?.lowercased().split(separator: ",").contains { $0.trimmingSpaces() == "trailers" } ?? false
    }

    // MARK: Response

    /// Sends a whole response with `Content-Length` and ends the exchange.
    /// - Parameters:
    ///   - status: the HTTP status code.
    ///   - headers: response headers, in order. `Connection: close` closes the connection after it.
    ///   - body: the body; its bytes are moved out. nil for an empty body.
    public func respond(status: Int, headers: [(name: String, value: String)], body: Buffer?) {
        switch state {
        case .clientGone: return
        case .awaitingResponse: break
        case .streaming, .finished: preconditionFailure("respond called on an exchange that already answered")
        }
        guard let connection else { return }
        responseStatus = status
        state = .finished
        let close = mustClose(after: headers)
        // A body after a HEAD, 1xx, 204 or 304 head would be read as the start of the next response.
        let noBodyStatus = (100..<200).contains(status) || status == 204 || status == 304
        let length = body?.count ?? 0
        HTTPResponseHead.write(
            status: status, headers: Self.withoutConnectionHeader(headers),
            framing: noBodyStatus ? .none : .length(length), close: close, http10KeepAlive: head.minorVersion == 0,
            date: connection.server.date, to: connection.output)
        if let body, !noBodyStatus, method != .head {
            connection.output.append(moving: body)
        }
        end(close: close)
    }

    /// Sends the response head; the body follows as chunks.
    public func startStreaming(status: Int, headers: [(name: String, value: String)]) {
        switch state {
        case .clientGone: return
        case .awaitingResponse: break
        case .streaming, .finished: preconditionFailure("startStreaming called on an exchange that already answered")
        }
        guard let connection else { return }
        responseStatus = status
        state = .streaming
        // Before HTTP/1.1 there is no chunked encoding: the stream ends with the connection.
        chunked = head.minorVersion == 1
        let noBodyStatus = (100..<200).contains(status) || status == 204 || status == 304
        // A body after these heads would be read as the start of the next response.
        bodiless = noBodyStatus || method == .head
        // A HEAD reply announces the framing its GET would have had, without the body.
        let framing: HTTPResponseHead.Framing = noBodyStatus ? .none : chunked ? .chunked : .untilClose
        let close = (!chunked && !bodiless) || mustClose(after: headers)
        HTTPResponseHead.write(
            status: status, headers: Self.withoutConnectionHeader(headers),
            framing: framing, close: close, http10KeepAlive: head.minorVersion == 0 && !close,
            date: connection.server.date, to: connection.output)
        closeWasAnnounced = close
        connection.scheduleFlush()
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
        guard let connection, !chunk.isEmpty, !bodiless else { return true }
        let output = connection.output
        if chunked {
            output.append(String(chunk.count, radix: 16) + "\r\n")
            output.append(moving: chunk)
            output.append("\r\n")
        } else {
            output.append(moving: chunk)
        }
        connection.scheduleFlush()
        if output.count > Self.outputHighWaterMark {
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
        guard let connection else { return }
        state = .finished
        if bodiless {
            end(close: closeConnection || closeWasAnnounced)
            return
        }
        if chunked && !closeConnection {
            connection.output.append("0\r\n\r\n")
        }
        end(close: closeConnection || !chunked || closeWasAnnounced)
    }

    /// Ends a streamed response with trailer fields (RFC 9112 §7.1.2), for clients that sent
    /// `TE: trailers`.
    public func finishStreaming(trailers: [(name: String, value: String)]) {
        switch state {
        case .clientGone: return
        case .streaming: break
        case .awaitingResponse, .finished: preconditionFailure("finishStreaming called outside a streamed response")
        }
        guard let connection else { return }
        state = .finished
        if bodiless {
            end(close: closeWasAnnounced)
            return
        }
        guard chunked else {
            end(close: true)
            return
        }
        var text = "0\r\n"
        for trailer in trailers {
            // Trailer values come from the backend: no CR or LF may reach the wire.
            let value = String(trailer.value.map { $0 == "\r" || $0 == "\n" ? " " : $0 })
            text += "\(trailer.name): \(value)\r\n"
        }
        text += "\r\n"
        connection.output.append(text)
        end(close: closeWasAnnounced)
    }

    // MARK: Connection

    /// Whether the head written said `Connection: close`.
    private var closeWasAnnounced = false

    /// Whether the connection must close after this response: the client asked, the server is
    /// draining, the handler said so, or the request body was not read to its end (what is left of
    /// it cannot be told from a next request).
    private func mustClose(after headers: [(name: String, value: String)]) -> Bool {
        guard let connection else { return true }
        let handlerAsked = headers.contains { Self.isConnectionHeader($0.name) && $0.value.lowercased() == "close" }
        let close = !head.keepAlive || connection.server.isDraining || handlerAsked || !connection.requestBodyComplete
        closeWasAnnounced = close
        return close
    }

    /// Whether `name` is `Connection`, in any case, without allocating (this runs per response).
    private static func isConnectionHeader(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard utf8.count == 10 else { return false }
        return zip(utf8, "connection".utf8).allSatisfy { ($0 | 0x20) == $1 }
    }

    /// `headers` minus any `Connection` header (the exchange writes its own); the same array,
    /// not a copy, in the usual case that there is none.
    private static func withoutConnectionHeader(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        guard headers.contains(where: { isConnectionHeader($0.name) }) else { return headers }
        return headers.filter { !isConnectionHeader($0.name) }
    }

    /// The response is complete in the output: the connection writes it and moves on. The
    /// exchange stays the connection's until the bytes are out (``didComplete()``).
    private func end(close: Bool) {
        delegate = nil
        connection?.responseDidFinish(close: close)
    }

    /// Whether the whole response has been handed to the connection.
    var isResponseFinished: Bool { state == .finished }

    // MARK: Called by the connection

    func bodyDidArrive(complete: Bool) {
        if complete { isBodyComplete = true }
        delegate?.exchangeDidReceiveBody(self)
    }

    func outputDidDrain() {
        guard state == .streaming, drainRequested else { return }
        drainRequested = false
        delegate?.exchangeDidDrain(self)
    }

    /// The response has been written to the socket.
    func didComplete() {
        let server = connection?.server
        connection = nil
        countEnd(on: server)
    }

    /// The connection failed before the response was out.
    func clientDidGo() {
        let server = connection?.server
        connection = nil
        if state == .awaitingResponse || state == .streaming {
            state = .clientGone
            let delegate = self.delegate
            self.delegate = nil
            delegate?.exchangeClientDidDisconnect(self)
        }
        countEnd(on: server)
    }

    /// Tells the server, once, that this exchange is over (for a drain's count).
    private func countEnd(on server: HTTPServer?) {
        guard let server, !counted else { return }
        counted = true
        server.exchangeDidEnd()
    }
}
