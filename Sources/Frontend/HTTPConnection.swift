internal import CLibevent
internal import CLibeventOpenSSL
internal import Glibc
internal import Reactor

/// One client connection: reads requests with ``HTTPRequestParser``, hands each to the server's
/// handler as an ``HTTPExchange``, and writes the responses, one exchange at a time (pipelined
/// requests wait in the input until the previous response has been written).
///
/// Reading stays enabled the whole time, so a client that leaves while its call is still at the
/// backend is noticed at once; a high-water mark on the input bounds what a pipelining or
/// uploading client can park here. A plain connection writes responses straight to the socket
/// from the server's per-loop flush (one `write` per exchange, no event registration unless the
/// socket is full); a TLS connection lets its OpenSSL bufferevent write.
///
/// Timers: `idle_timeout` between requests, `header_read_timeout` from a head's first byte to its
/// end (slow-loris), `idle_timeout` of silence while a body is being read, and the bufferevent's
/// write timeout while output is stuck.
final class HTTPConnection {
    private enum Phase {
        /// Reading requests and writing responses.
        case open
        /// The last response is being written; the connection closes once it is out.
        case closingAfterOutput
        /// Our side is shut down; the client's leftover input is read and dropped until it closes or
        /// a grace period passes, so the kernel does not answer that input with a reset that would
        /// destroy the response still in flight (the "lingering close" of RFC 9112 §9.6).
        case lingering
        case closed
    }

    private enum TimerPurpose {
        case none, idle, head, body, linger
    }

    unowned let server: HTTPServer
    private let bufferevent: OpaquePointer
    let descriptor: Int32
    let isTLS: Bool
    private let address: sockaddr_storage
    private var parser: HTTPRequestParser
    private let input: Buffer
    let output: Buffer
    /// The exchange being served (its request read, or its response written); nil between requests.
    private(set) var exchange: HTTPExchange?
    /// Whether the current exchange's request body has been read completely.
    private(set) var requestBodyComplete = true
    private var phase = Phase.open
    private var retainedSelf: Unmanaged<HTTPConnection>?
    private var timer: EventTimer!
    private var timerPurpose = TimerPurpose.none
    private var isProcessing = false
    private var needsProcessing = false
    /// True while the connection is on the server's list to be flushed at the end of this loop turn.
    var flushScheduled = false
    /// True while the bufferevent's write event is enabled because the socket did not take everything.
    private var waitingForWritable = false
    /// The socket's SO_RCVLOWAT while a large body arrives (1, the kernel's default, otherwise).
    private var receiveLowWaterMark = 1
    /// The most one read takes, and the receive low-water mark for large bodies.
    private static let readChunk = 64 * 1024

    init?(server: HTTPServer, descriptor: Int32, address: sockaddr_storage, tls: TLSServerContext?) {
        self.server = server
        self.descriptor = descriptor
        self.address = address
        self.isTLS = tls != nil
        self.parser = HTTPRequestParser(limits: server.parserLimits)
        let created =
            if let tls { tls.makeBufferevent(base: server.loop.base, descriptor: descriptor) } else {
                bufferevent_socket_new(server.loop.base, descriptor, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue))
            }
        guard let created else { return nil }
        self.bufferevent = created
        self.input = Buffer(borrowing: bufferevent_get_input(created))
        self.output = Buffer(borrowing: bufferevent_get_output(created))
        self.timer = EventTimer(loop: server.loop) { [unowned self] in self.timerDidFire() }
        retainedSelf = Unmanaged.passRetained(self)
        let argument = retainedSelf!.toOpaque()
        bufferevent_setcb(
            created,
            { _, argument in Unmanaged<HTTPConnection>.fromOpaque(argument!).takeUnretainedValue().socketDidRead() },
            { _, argument in Unmanaged<HTTPConnection>.fromOpaque(argument!).takeUnretainedValue().socketDidDrain() },
            { _, events, argument in Unmanaged<HTTPConnection>.fromOpaque(argument!).takeUnretainedValue().socketDidReport(events) },
            argument)
        // No read watermark: libevent 2.1.12 re-runs the read callback every loop turn while input
        // sits at its high-water mark, so reading is paused explicitly instead (`pauseReading`).
        bufferevent_set_max_single_read(created, Self.readChunk)
        var writeTimeout = server.configuration.idleTimeout.timeval
        bufferevent_set_timeouts(created, nil, &writeTimeout)
        if isTLS {
            // A TLS bufferevent reads records and writes on its own as soon as output is added.
            bufferevent_enable(created, Int16(EV_READ | EV_WRITE))
            isReading = true
        } else {
            // A plain socket is read by `socketIsReadable()` (libevent 2.1's own reads take at most
            // 4 KiB per syscall, plus an ioctl each) and written by `flush()`; the bufferevent
            // writes only when the socket was full.
            // New bufferevents are write-enabled; left so, every response added to the output
            // would register a write event (and remove it after), two epoll_ctl calls a request.
            bufferevent_disable(created, Int16(EV_WRITE))
            readEvent = event_new(
                server.loop.base, descriptor, Int16(EV_READ | EV_PERSIST),
                { _, _, argument in Unmanaged<HTTPConnection>.fromOpaque(argument!).takeUnretainedValue().socketIsReadable() },
                argument)
            resumeReading()
        }
        arm(.idle)
    }

    // MARK: Reading a plain socket

    /// The read event of a plain connection (nil for TLS).
    private var readEvent: OpaquePointer?
    private var isReading = false
    /// Above this many unparsed bytes (pipelined requests, or a body its consumer has not taken)
    /// the connection stops reading, so a client cannot park more than this here.
    private var inputHighWaterMark: Int { max(Self.readChunk, server.parserLimits.maxHeadBytes + 1024) }

    private func resumeReading() {
        guard !isReading, phase != .closed else { return }
        isReading = true
        if let readEvent {
            event_add(readEvent, nil)
        } else {
            bufferevent_enable(bufferevent, Int16(EV_READ))
        }
    }

    private func pauseReading() {
        guard isReading else { return }
        isReading = false
        if let readEvent {
            event_del(readEvent)
        } else {
            bufferevent_disable(bufferevent, Int16(EV_READ))
        }
    }

    /// Reads what the socket has, up to 256 KiB per wake-up (fair to the loop's other
    /// connections), in reads of up to 64 KiB straight into the input buffer's free space.
    private func socketIsReadable() {
        var total = 0
        while total < 4 * Self.readChunk {
            let room = inputHighWaterMark - input.count
            guard room > 0 || phase == .lingering else {
                pauseReading()
                break
            }
            // Small reads for heads, larger ones while a body streams in.
            let wanted = parser.remainingBodyBytes.map { $0 > 16 * 1024 ? Self.readChunk : 16 * 1024 } ?? 16 * 1024
            let size = phase == .lingering ? 16 * 1024 : min(wanted, room)
            // A socket bufferevent keeps its input's end frozen against writers other than itself.
            evbuffer_unfreeze(input.raw, 0)
            var extent = iovec()
            guard evbuffer_reserve_space(input.raw, size, &extent, 1) >= 1, let base = extent.iov_base else {
                evbuffer_freeze(input.raw, 0)
                break
            }
            let count = read(descriptor, base, min(size, extent.iov_len))
            if count > 0 {
                extent.iov_len = count
                evbuffer_commit_space(input.raw, &extent, 1)
            }
            evbuffer_freeze(input.raw, 0)
            if count > 0 {
                total += count
                if count < size { break }
            } else if count == 0 {
                connectionDidFail()
                return
            } else {
                let error = errno
                if error == EAGAIN || error == EINTR { break }
                connectionDidFail()
                return
            }
        }
        if total > 0 { socketDidRead() }
    }

    /// The client's address as text (no port), formatted once per connection: every call on it
    /// needs it for `x-forwarded-for`.
    private(set) lazy var peerAddress: String = formatPeerAddress()

    private func formatPeerAddress() -> String {
        var address = self.address
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafePointer(to: &address) { pointer in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var raw = v4.pointee.sin_addr
                    return inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)).map { String(cString: $0) } ?? ""
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    var raw = v6.pointee.sin6_addr
                    return inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)).map { String(cString: $0) } ?? ""
                }
            default:
                return ""
            }
        }
    }

    // MARK: Reading requests

    private func socketDidRead() {
        if isTLS, input.count >= inputHighWaterMark, phase == .open {
            pauseReading()
        }
        switch phase {
        case .open:
            processInput()
        case .closingAfterOutput:
            // Nothing more is read as requests; what comes is dropped so reading never stalls.
            input.drain(input.count)
        case .lingering:
            input.drain(input.count)
            resumeReading()
        case .closed:
            break
        }
    }

    /// Runs the parser over the input until it needs more, an exchange waits for its response, or
    /// the body's consumer is full. Re-entrant calls (a handler answering synchronously, which
    /// moves on to the next pipelined request) are folded into the running loop.
    func processInput() {
        if isProcessing {
            needsProcessing = true
            return
        }
        isProcessing = true
        repeat {
            needsProcessing = false
            step()
        } while needsProcessing && phase == .open
        isProcessing = false
        if !isReading, phase == .open || phase == .closingAfterOutput, input.count < inputHighWaterMark {
            resumeReading()
        }
    }

    private func step() {
        while phase == .open {
            if let exchange {
                if !requestBodyComplete { readBody(into: exchange) }
                return
            }
            if input.isEmpty {
                if timerPurpose != .idle { arm(.idle) }
                return
            }
            let head: HTTPRequestHead
            do {
                guard let parsed = try parser.readHead(from: input) else {
                    if timerPurpose != .head { arm(.head) }
                    return
                }
                head = parsed
            } catch {
                refuse(error)
                return
            }
            disarm()
            requestBodyComplete = parser.isBodyComplete
            let exchange = HTTPExchange(head: head, connection: self, bodyComplete: requestBodyComplete)
            self.exchange = exchange
            server.exchangeDidBegin()
            if !requestBodyComplete {
                // Whatever of the body came with the head is handed over with it (no delegate
                // hears of it yet: the handler finds it in `body`).
                readBody(into: exchange)
                guard phase == .open, self.exchange === exchange else { return }
            }
            server.handler.handle(exchange)
            if !requestBodyComplete, !exchange.hasResponded, head.expectsContinue, input.isEmpty {
                // The client waits for this before it sends the body (RFC 9110 §10.1.1).
                output.append("HTTP/1.1 100 Continue\r\n\r\n")
                scheduleFlush()
            }
        }
    }

    /// Moves what the input holds of the current body into the exchange, and sets the timer the
    /// body's state calls for.
    private func readBody(into exchange: HTTPExchange) {
        let before = exchange.body.count
        let progress: HTTPRequestParser.BodyProgress
        do {
            progress = try parser.readBody(from: input, into: exchange.body, limit: exchange.bodyBufferLimit)
        } catch {
            bodyFailed(error)
            return
        }
        switch progress {
        case .complete:
            disarm()
            resetReceiveLowWaterMark()
            requestBodyComplete = true
            exchange.bodyDidArrive(complete: true)
            return
        case .needsMoreInput:
            if exchange.limitsBodyStalls { arm(.body) } else { disarm() }
            wakeForLargerReads()
        case .destinationFull:
            // The consumer is behind: the client waits (its bytes stay in the kernel) without a clock.
            disarm()
        }
        if exchange.body.count != before { exchange.bodyDidArrive(complete: false) }
    }

    /// While a large `Content-Length` body arrives, asks the kernel not to report the socket
    /// readable until 64 KiB (or the rest of the body) is there. A client sending a megabyte
    /// otherwise wakes the loop for every few kilobytes that reach the socket: hundreds of wake-ups,
    /// reads and ioctls per request, where a few dozen do. The mark never exceeds what is still to
    /// come, so the last bytes cannot be left waiting; an EOF or error wakes the loop regardless.
    private func wakeForLargerReads() {
        guard !isTLS, let remaining = parser.remainingBodyBytes else { return }
        let wanted = max(1, min(Self.readChunk, remaining - input.count))
        guard wanted != receiveLowWaterMark, wanted > 4096 || receiveLowWaterMark > 1 else { return }
        setReceiveLowWaterMark(wanted)
    }

    private func resetReceiveLowWaterMark() {
        if receiveLowWaterMark != 1 { setReceiveLowWaterMark(1) }
    }

    private func setReceiveLowWaterMark(_ bytes: Int) {
        var value = Int32(bytes)
        if setsockopt(descriptor, SOL_SOCKET, SO_RCVLOWAT, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 {
            receiveLowWaterMark = bytes
        }
    }

    /// A request whose head could not be read: answer with the error and close.
    private func refuse(_ error: HTTPRequestError) {
        disarm()
        resetReceiveLowWaterMark()
        let body = server.handler.errorResponse(for: error)
        HTTPResponseHead.write(
            status: error.status, headers: [("Content-Type", body.contentType)], framing: .length(body.body.utf8.count),
            close: true, http10KeepAlive: false, date: server.date, to: output)
        output.append(body.body)
        phase = .closingAfterOutput
        // The refusal must leave even if the client never reads it: the write timeout covers a
        // stuck socket, and this bounds the rest.
        arm(.linger)
        scheduleFlush()
    }

    /// The body broke off mid-way (bad chunk framing): answer 400 if nothing was sent yet, and close.
    private func bodyFailed(_ error: HTTPRequestError) {
        guard let exchange else { return }
        if exchange.hasResponded {
            connectionDidFail()
            return
        }
        self.exchange = nil
        exchange.clientDidGo()
        refuse(error)
    }

    /// The exchange's consumer took body bytes: read on if the parser was waiting for room.
    func bodyWasConsumed() {
        guard phase == .open, exchange != nil, !requestBodyComplete else { return }
        processInput()
    }

    // MARK: Writing responses

    /// Called by the exchange once its response is complete in the output buffer.
    /// - Parameter close: whether the connection must close after it.
    func responseDidFinish(close: Bool) {
        if close || !requestBodyComplete {
            phase = .closingAfterOutput
        }
        scheduleFlush()
    }

    /// Asks for the output to be written at the end of this loop turn (together with whatever
    /// else this turn adds), rather than once per chunk.
    func scheduleFlush() {
        guard !flushScheduled, phase != .closed else { return }
        flushScheduled = true
        server.scheduleFlush(self)
    }

    /// Writes the output to the socket (plain connections), then finishes what waited for it.
    func flush() {
        flushScheduled = false
        guard phase != .closed else { return }
        if !isTLS, !waitingForWritable, output.count > 0 {
            // ... and its output's start frozen against readers other than itself.
            evbuffer_unfreeze(output.raw, 1)
            let written = evbuffer_write(output.raw, descriptor)
            evbuffer_freeze(output.raw, 1)
            if written < 0 && errno != EAGAIN && errno != EINTR {
                // The bufferevent reports the failure through its event callback when it tries.
                enableWriting()
                return
            }
        }
        if output.count > 0 {
            if !isTLS { enableWriting() }
            return
        }
        outputDidDrain()
    }

    private func enableWriting() {
        guard !waitingForWritable else { return }
        waitingForWritable = true
        bufferevent_enable(bufferevent, Int16(EV_WRITE))
    }

    private func socketDidDrain() {
        guard output.count == 0 else { return }
        if waitingForWritable {
            waitingForWritable = false
            bufferevent_disable(bufferevent, Int16(EV_WRITE))
        }
        outputDidDrain()
    }

    /// Everything written so far has reached the socket.
    private func outputDidDrain() {
        exchange?.outputDidDrain()
        if let exchange, exchange.isResponseFinished {
            self.exchange = nil
            exchange.didComplete()
            if phase == .open {
                if !input.isEmpty { processInput() } else { arm(.idle) }
            }
        }
        if phase == .closingAfterOutput, exchange == nil {
            startLingering()
        }
    }

    // MARK: Closing

    /// Closes our side and drains the client's input for a moment before freeing the socket.
    private func startLingering() {
        guard !isTLS else {
            close()
            return
        }
        phase = .lingering
        resetReceiveLowWaterMark()
        shutdown(descriptor, Int32(SHUT_WR))
        input.drain(input.count)
        resumeReading()
        arm(.linger)
    }

    private func socketDidReport(_ events: Int16) {
        if events & Int16(BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT) != 0 {
            connectionDidFail()
        }
    }

    /// The client closed, the socket failed or a write timed out: end whatever exchange is open.
    private func connectionDidFail() {
        let exchange = self.exchange
        self.exchange = nil
        close()
        exchange?.clientDidGo()
    }

    private func timerDidFire() {
        let purpose = timerPurpose
        timerPurpose = .none
        switch purpose {
        case .none:
            return
        case .idle, .linger:
            close()
        case .head, .body:
            if purpose == .body, receiveLowWaterMark > 1 {
                // A slow client may have sent less than the receive low-water mark since the last
                // read: the bytes are there but were never reported. Read them and give it time.
                resetReceiveLowWaterMark()
                arm(.body)
                return
            }
            // A client too slow to finish its request: 408 is the polite answer (RFC 9110 §15.5.9).
            if let exchange, exchange.hasResponded {
                connectionDidFail()
                return
            }
            if let exchange {
                self.exchange = nil
                exchange.clientDidGo()
            }
            refuse(HTTPRequestError(status: 408, purpose == .head ? "the request head took too long" : "the request body stalled"))
        }
    }

    private func close() {
        guard phase != .closed else { return }
        phase = .closed
        disarm()
        if let readEvent {
            event_free(readEvent)
            self.readEvent = nil
        }
        bufferevent_setcb(bufferevent, nil, nil, nil, nil)
        if isTLS, let ssl = bufferevent_openssl_get_ssl(bufferevent) {
            // Tells the client the response ended here rather than being cut (libevent's free
            // does not); a close-delimited HTTP/1.0 body is otherwise indistinguishable from a
            // truncated one.
            SSL_shutdown(ssl)
        }
        bufferevent_free(bufferevent)
        server.connectionDidClose(self)
        let retained = retainedSelf
        retainedSelf = nil
        retained?.release()
    }

    /// Closes the connection if no exchange is in progress (a drain closing idle keep-alive connections).
    func closeIfIdle() {
        if exchange == nil, phase == .open { close() }
    }

    private func arm(_ purpose: TimerPurpose) {
        timerPurpose = purpose
        switch purpose {
        case .none: timer.cancel()
        case .idle, .body: timer.schedule(after: server.configuration.idleTimeout)
        case .head: timer.schedule(after: server.configuration.headerReadTimeout)
        case .linger: timer.schedule(after: .seconds(2))
        }
    }

    private func disarm() {
        guard timerPurpose != .none else { return }
        timerPurpose = .none
        timer.cancel()
    }
}
