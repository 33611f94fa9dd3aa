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
    /// Whether the call reached a backend (and so counts in calls in flight until it ends).
    private var inFlight = false
    private var deadlineTimer: EventTimer?
    /// Flow-control credit held back while the client's socket is over its high-water mark.
    private var owedCredit = 0
    /// True from a chunk write that left the client's socket over its high-water mark until it
    /// drains. Meanwhile received bytes are not acknowledged, so the backend stops when its
    /// window runs out: a slow client slows the backend instead of growing the gateway's memory.
    private var clientBackedUp = false

    init(exchange: HTTPExchange, mode: ResponseStateMachine.Mode, metrics: WorkerMetrics, callProtocol: CallProtocol) {
        self.exchange = exchange
        self.machine = ResponseStateMachine(mode: mode)
        self.metrics = metrics
        self.callProtocol = callProtocol
    }

    /// The call is joined to `stream`: it counts as in flight, the client is watched for leaving,
    /// and the deadline (if any) is armed.
    func joined(_ stream: RPCStream, loop: EventLoop, deadlineNanoseconds: Int64?) {
        self.stream = stream
        inFlight = true
        metrics.callStarted()
        exchange.delegate = self
        exchange.watchForClientDisconnect()
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

    /// Call first thing in ``finish(with:trailers:)``: stops the deadline and counts the end once.
    func ending(with code: GRPCStatusCode) {
        deadlineTimer?.cancel()
        deadlineTimer = nil
        if !machine.isFinished {
            count(code)
        }
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

    /// Ends the call towards the client with `status`. Subclasses write their protocol's reply.
    func finish(with status: GRPCStatus, trailers: [(name: String, value: String)]) {
        preconditionFailure("BackendCall.finish(with:trailers:) must be overridden")
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
            stream?.cancel()
        }
        stream = nil
    }

    func exchangeDidDrain(_ exchange: HTTPExchange) {
        clientBackedUp = false
        if owedCredit > 0 {
            stream?.consume(owedCredit)
            owedCredit = 0
        }
    }
}
