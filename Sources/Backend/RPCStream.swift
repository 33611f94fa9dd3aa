public import GRPCWire
public import Reactor

/// What a call learns about its backend stream. All methods run on the loop thread, from inside
/// the backend connection's read processing.
public protocol RPCStreamDelegate: AnyObject {
    /// The backend sent response headers (`:status 200`, a gRPC content type) that do not end the
    /// stream: `metadata` holds them minus pseudo-headers. Not called for trailers-only replies.
    func rpcStream(_ stream: RPCStream, didReceiveHead metadata: [(name: String, value: String)])
    /// Response body bytes (gRPC-framed messages, split anywhere). Valid only during the call.
    /// Every byte must later be acknowledged with ``RPCStream/consume(_:)``.
    func rpcStream(_ stream: RPCStream, didReceive bytes: UnsafeRawBufferPointer)
    /// The call is over: `status` from `grpc-status`, or synthesized for a reset, a connection
    /// failure or a reply that is not gRPC. `trailers` are the remaining trailer metadata (for a
    /// trailers-only reply, all of its headers). Called exactly once, unless the call cancelled.
    func rpcStream(_ stream: RPCStream, didFinishWith status: GRPCStatus, trailers: [(name: String, value: String)])
    /// The request bytes queued with ``RPCStream/send(_:endOfStream:)`` have fallen below
    /// ``RPCStream/outboundLowWaterMark``, after ``RPCStream/notifyWhenOutboundDrains()``.
    func rpcStreamCanSendMore(_ stream: RPCStream)
}

extension RPCStreamDelegate {
    public func rpcStreamCanSendMore(_ stream: RPCStream) {}
}

/// One gRPC call on a backend HTTP/2 connection: the request side (head, message bytes, end) and
/// the response side (head, bytes, status), with flow-control credit handed back by the caller.
///
/// Created by ``BackendCluster/startCall(path:authority:headers:body:endOfStream:delegate:)``.
public final class RPCStream {
    /// Receives the response. Released when the stream finishes or is cancelled.
    public private(set) var delegate: (any RPCStreamDelegate)?

    /// The connection carrying the stream; changes only when a refused call is retried. Weak:
    /// a caller may still hand back credit after the connection is gone.
    weak var connection: Connection?
    /// The HTTP/2 stream id on `connection`, set when the request is submitted.
    var streamID: Int32 = -1

    /// What the request was, kept so a call the backend provably never processed can be sent
    /// again elsewhere.
    let path: String
    let authority: String?
    let headers: [(name: String, value: String)]
    /// Attempts made so far (1 after the first submit).
    var attempts = 0

    /// Request bytes. While `retainsBody`, bytes stay here after nghttp2 has copied them (read
    /// through `sent`), so a retry can send them again; otherwise they are removed as sent.
    let outbound = Buffer()
    /// True when the whole request was known at the start (unary and server-streaming calls):
    /// only such a request can be replayed.
    var retainsBody = false
    /// How far nghttp2 has read a retained body.
    var sent = Buffer.Cursor()
    /// True once the caller said the request is complete.
    var outboundFinished = false
    /// True while nghttp2 is waiting (deferred) for more request bytes.
    var outboundDeferred = false
    /// True while the caller waits to hear that queued request bytes went out.
    var wantsOutboundSpace = false
    /// Below this many queued request bytes a waiting caller is told to send more: a streamed
    /// upload then moves at the pace the backend's flow-control window allows, never faster.
    public static let outboundLowWaterMark = 32 * 1024

    /// Response bytes delivered but not yet acknowledged with ``consume(_:)``.
    var unconsumedBytes = 0

    // Response parsing state.
    var httpStatus = 0
    var contentType: String?
    var grpcStatus: String?
    var grpcMessage: String?
    var headerBlock: [(name: String, value: String)] = []
    var headDelivered = false
    var isFinished = false

    /// Called once when the stream ends, however it ends (for in-flight accounting).
    var onEnd: (() -> Void)?

    init(path: String, authority: String?, headers: [(name: String, value: String)], connection: Connection?, delegate: any RPCStreamDelegate) {
        self.path = path
        self.authority = authority
        self.headers = headers
        self.connection = connection
        self.delegate = delegate
    }

    /// Whether the backend provably never saw this call, so it may be sent again: nothing of
    /// the response arrived and the whole request is still at hand.
    var isReplayable: Bool {
        !isFinished && !headDelivered && httpStatus == 0 && retainsBody && attempts < 2
    }

    /// Prepares a replay on another connection: nghttp2 will read the body from the start.
    func prepareReplay(on connection: Connection) {
        self.connection = connection
        streamID = -1
        sent = Buffer.Cursor()
        outboundDeferred = false
        headerBlock.removeAll()
    }

    /// Copies up to `destination.count` unsent request bytes for nghttp2's data provider.
    func takeOutbound(into destination: UnsafeMutableRawBufferPointer) -> Int {
        guard retainsBody else {
            let taken = outbound.remove(into: destination)
            if wantsOutboundSpace, pendingOutboundBytes < Self.outboundLowWaterMark {
                wantsOutboundSpace = false
                // Told once nghttp2 has returned: the caller may well send again at once.
                connection?.streamHasOutboundSpace(self)
            }
            return taken
        }
        return outbound.copy(from: &sent, into: destination)
    }

    /// Request bytes queued and not yet handed to nghttp2.
    public var pendingOutboundBytes: Int {
        retainsBody ? outbound.count - sent.offset : outbound.count
    }

    /// Asks for ``RPCStreamDelegate/rpcStreamCanSendMore(_:)`` once the queued request bytes fall
    /// below ``outboundLowWaterMark`` (at once if they already have).
    public func notifyWhenOutboundDrains() {
        guard !isFinished else { return }
        wantsOutboundSpace = true
        if pendingOutboundBytes < Self.outboundLowWaterMark {
            wantsOutboundSpace = false
            connection?.streamHasOutboundSpace(self)
        }
    }

    /// Whether every request byte has been handed to nghttp2.
    var outboundIsDrained: Bool {
        pendingOutboundBytes == 0
    }

    /// Queues request bytes (moved out of `buffer`); `endOfStream` marks the request complete.
    public func send(_ buffer: Buffer, endOfStream: Bool) {
        guard !isFinished else { return }
        outbound.append(moving: buffer)
        if endOfStream { outboundFinished = true }
        connection?.outboundDidGrow(self)
    }

    /// Gives back flow-control credit for `count` response bytes the caller has passed on, so
    /// the backend may send more. Data is acknowledged only as the client drains it: that is what
    /// makes a slow client slow the backend instead of growing the gateway's memory.
    public func consume(_ count: Int) {
        guard count > 0 else { return }
        let amount = min(count, unconsumedBytes)
        guard amount > 0 else { return }
        unconsumedBytes -= amount
        connection?.consume(amount, on: self)
    }

    /// Cancels the call (RST_STREAM CANCEL). The delegate hears nothing more.
    public func cancel() {
        guard !isFinished else { return }
        isFinished = true
        delegate = nil
        connection?.cancel(self)
        ended()
    }

    /// Ends the stream, delivering `status` once.
    func finish(_ status: GRPCStatus, trailers: [(name: String, value: String)]) {
        guard !isFinished else { return }
        isFinished = true
        let delegate = self.delegate
        self.delegate = nil
        ended()
        delegate?.rpcStream(self, didFinishWith: status, trailers: trailers)
    }

    private func ended() {
        let onEnd = self.onEnd
        self.onEnd = nil
        onEnd?()
    }

    func deliverHead(_ metadata: [(name: String, value: String)]) {
        headDelivered = true
        delegate?.rpcStream(self, didReceiveHead: metadata)
    }

    func deliver(_ bytes: UnsafeRawBufferPointer) {
        unconsumedBytes += bytes.count
        if let delegate {
            delegate.rpcStream(self, didReceive: bytes)
        }
    }
}
