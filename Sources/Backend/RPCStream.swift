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
}

/// One gRPC call on a backend HTTP/2 connection: the request side (head, message bytes, end) and
/// the response side (head, bytes, status), with flow-control credit handed back by the caller.
///
/// Created by ``ConnectionPool/startCall(path:authority:headers:body:endOfStream:delegate:)``.
public final class RPCStream {
    /// Receives the response. Released when the stream finishes or is cancelled.
    public private(set) var delegate: (any RPCStreamDelegate)?

    unowned let connection: Connection
    /// The HTTP/2 stream id, set when the request is submitted.
    var streamID: Int32 = -1

    /// Request bytes not yet taken by nghttp2's data provider.
    let outbound = Buffer()
    /// True once the caller said the request is complete.
    var outboundFinished = false
    /// True while nghttp2 is waiting (deferred) for more request bytes.
    var outboundDeferred = false

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

    init(connection: Connection, delegate: any RPCStreamDelegate) {
        self.connection = connection
        self.delegate = delegate
    }

    /// Queues request bytes (moved out of `buffer`); `endOfStream` marks the request complete.
    public func send(_ buffer: Buffer, endOfStream: Bool) {
        guard !isFinished else { return }
        outbound.append(moving: buffer)
        if endOfStream { outboundFinished = true }
        connection.outboundDidGrow(self)
    }

    /// Gives back flow-control credit for `count` response bytes the caller has passed on, so
    /// the backend may send more. Data is acknowledged only as the client drains it: that is what
    /// makes a slow client slow the backend instead of growing the gateway's memory.
    public func consume(_ count: Int) {
        guard count > 0 else { return }
        let amount = min(count, unconsumedBytes)
        guard amount > 0 else { return }
        unconsumedBytes -= amount
        connection.consume(amount, on: self)
    }

    /// Cancels the call (RST_STREAM CANCEL). The delegate hears nothing more.
    public func cancel() {
        guard !isFinished else { return }
        isFinished = true
        delegate = nil
        connection.cancel(self)
    }

    /// Ends the stream, delivering `status` once.
    func finish(_ status: GRPCStatus, trailers: [(name: String, value: String)]) {
        guard !isFinished else { return }
        isFinished = true
        let delegate = self.delegate
        self.delegate = nil
        delegate?.rpcStream(self, didFinishWith: status, trailers: trailers)
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
