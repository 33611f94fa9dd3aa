internal import Backend
internal import Frontend
internal import GRPCWire
internal import Reactor

/// What every call the gateway relays has, whatever its front-end protocol: the client's
/// exchange and the backend stream it is joined to, the response state machine, the deadline,
/// the flow-control credit held back while the client is slow, and the count of its end.
///
/// ``GRPCWebCall`` and ``RESTCall`` differ only in how they read the request and write the
/// reply; they override ``finish(with:trailers:)`` and handle the stream's events.
class BackendCall: HTTPExchangeDelegate {
    let exchange: HTTPExchange
    /// The backend stream, until it ends or is cancelled.
    var stream: RPCStream?
    var machine: ResponseStateMachine
    let metrics: WorkerMetrics
    private let callProtocol: CallProtocol
    private let started = ContinuousClock.now
    private let accessLog: AccessLogWriter?
    /// The client's address, read while the request exists, only when an access log is kept.
    private let peer: String
    /// Whether the call reached a backend (and so counts in calls in flight until it ends).
    private var inFlight = false
    private var deadlineTimer: EventTimer?
    /// Flow-control credit held back while the client's socket is over its high-water mark.
    private var owedCredit = 0
    /// True from a chunk write that left the client's socket over its high-water mark until it
    /// drains. Meanwhile received bytes are not acknowledged, so the backend stops when its
    /// window runs out: a slow client slows the backend instead of growing the gateway's memory.
    private var clientBackedUp = false

    init(
        exchange: HTTPExchange, mode: ResponseStateMachine.Mode, metrics: WorkerMetrics, callProtocol: CallProtocol,
        accessLog: AccessLogWriter?
    ) {
        self.exchange = exchange
        self.machine = ResponseStateMachine(mode: mode)
        self.metrics = metrics
        self.callProtocol = callProtocol
        self.accessLog = accessLog
        self.peer = accessLog == nil ? "" : exchange.peerAddress
    }

    /// The call is joined to `stream`: it counts as in flight, the client is watched for leaving,
    /// and the deadline (if any) is armed.
    func joined(_ stream: RPCStream, loop: EventLoop, deadlineNanoseconds: Int64?) {
        self.stream = stream
        inFlight = true
        metrics.callStarted()
        exchange.delegate = self
        if let deadlineNanoseconds {
            let timer = EventTimer(loop: loop) { [weak self] in
                self?.deadlineDidPass()
            }
            timer.schedule(after: .nanoseconds(deadlineNanoseconds))
            deadlineTimer = timer
        }
    }

    /// Gives `count` received bytes' credit back to the backend, or holds it while the client is slow.
    func acknowledge(_ count: Int, on stream: RPCStream) {
        if clientBackedUp {
            owedCredit += count
        } else {
            stream.consume(count)
        }
    }

    /// Writes a chunk to the client and notes whether its socket is now backed up.
    func send(_ chunk: Buffer) {
        if !exchange.sendChunk(chunk) {
            clientBackedUp = true
        }
    }

    /// Ends the call towards the client with `status`: stops the deadline, writes the reply
    /// (``writeReply(_:trailers:)``), and counts and logs the end once.
    final func finish(with status: GRPCStatus, trailers: [(name: String, value: String)]) {
        deadlineTimer?.cancel()
        deadlineTimer = nil
        let firstEnd = !machine.isFinished
        if firstEnd {
            count(status.code)
        }
        writeReply(status, trailers: trailers)
        if firstEnd {
            logAccess(status.code)
        }
    }

    /// Writes the reply for `status` in the subclass's protocol.
    func writeReply(_ status: GRPCStatus, trailers: [(name: String, value: String)]) {
        preconditionFailure("BackendCall.writeReply(_:trailers:) must be overridden")
    }

    /// Writes the call's access-log line, if an access log is kept.
    func logAccess(_ code: GRPCStatusCode) {
        guard let accessLog else { return }
        accessLog.write(
            .init(
                protocolName: callProtocol.label, method: exchange.method.rawValue, path: exchange.path,
                httpStatus: exchange.responseStatus ?? 499, grpcCode: code.name, duration: ContinuousClock.now - started,
                peer: peer))
    }

    /// Counts the call's end once.
    func count(_ code: GRPCStatusCode) {
        if inFlight {
            inFlight = false
            metrics.callEnded(callProtocol, code: code, started: started)
        } else {
            metrics.record(callProtocol, code: code, started: started)
        }
    }

    /// Cancels the backend stream and ends the call with `status` (a failure the gateway saw).
    func abandon(_ status: GRPCStatus) {
        stream?.cancel()
        stream = nil
        finish(with: status, trailers: [])
    }

    private func deadlineDidPass() {
        guard !machine.isFinished else { return }
        abandon(GRPCStatus(.deadlineExceeded, "deadline exceeded before the backend answered"))
    }

    // MARK: HTTPExchangeDelegate

    func exchangeClientDidDisconnect(_ exchange: HTTPExchange) {
        deadlineTimer?.cancel()
        deadlineTimer = nil
        if machine.clientDisconnected() {
            count(.cancelled)
            logAccess(.cancelled)
            stream?.cancel()
        }
        stream = nil
    }

    /// More of the request body arrived; calls that stream their upload override this.
    func exchangeDidReceiveBody(_ exchange: HTTPExchange) {}

    func exchangeDidDrain(_ exchange: HTTPExchange) {
        clientBackedUp = false
        if owedCredit > 0 {
            stream?.consume(owedCredit)
            owedCredit = 0
        }
    }
}
