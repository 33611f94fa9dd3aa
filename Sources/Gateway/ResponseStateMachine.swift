/// What a call's client has been sent so far, and what each backend or client event makes the
/// call do; shared by gRPC-Web and REST calls, which differ only in how they write. Pure: it
/// holds no I/O and returns actions the call performs.
///
/// ```
/// awaitingHead ──head──▶ headReceived ──messages──▶ streaming (streamed mode)
///      │                      │        └─messages──▶ buffering (buffered mode)
///      └──────end─────────────┴──────────end──────────────┴──▶ finished
/// ```
/// The backend's head is held back until the first message or the end, so a call that fails
/// before any message is answered with a proper error (trailers-only for gRPC-Web, per
/// PROTOCOL-WEB.md; an HTTP error status for REST), and a client never sees a 200 head for a
/// call that produced nothing.
///
/// Deliberately ignored events: anything after `finished` (a late backend event after a
/// cancel, a second end); a disconnect after `finished` (the response is already out).
struct ResponseStateMachine {
    /// How the response body reaches the client.
    enum Mode {
        /// Unary and client-streaming methods: the whole reply is sent at once with
        /// `Content-Length` (one write, no chunk framing).
        case buffered
        /// Server-streaming and bidi methods: chunked, each batch of whole messages flushed
        /// the moment it arrives.
        case streamed
    }

    private enum State {
        case awaitingHead
        case headReceived(metadata: [(name: String, value: String)])
        case streaming
        case buffering(metadata: [(name: String, value: String)])
        case finished
    }

    let mode: Mode
    private var state: State = .awaitingHead

    init(mode: Mode) {
        self.mode = mode
    }

    var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// The backend sent its response head.
    mutating func headReceived(_ metadata: [(name: String, value: String)]) {
        guard case .awaitingHead = state else { return }
        state = .headReceived(metadata: metadata)
    }

    enum OnMessages {
        /// Send the response head with `metadata`, then the messages, as a chunked stream.
        case startStreamAndSend(metadata: [(name: String, value: String)])
        /// Send the messages as the next chunk.
        case send
        /// Keep the messages for the whole response sent at the end.
        case keep
        /// The call is over; drop them.
        case drop
    }

    /// Whole messages are ready to go to the client.
    mutating func messagesReady() -> OnMessages {
        switch state {
        case .awaitingHead:
            // The backend stream delivers body bytes only after a valid head.
            preconditionFailure("messages before the response head")
        case .headReceived(let metadata):
            switch mode {
            case .streamed:
                state = .streaming
                return .startStreamAndSend(metadata: metadata)
            case .buffered:
                state = .buffering(metadata: metadata)
                return .keep
            }
        case .streaming:
            return .send
        case .buffering:
            return .keep
        case .finished:
            return .drop
        }
    }

    enum OnEnd {
        /// Nothing was sent: answer trailers-only (status and trailers as HTTP headers).
        case sendTrailersOnly
        /// Send one whole response: head `metadata`, the kept messages, the trailer frame.
        case sendWholeResponse(metadata: [(name: String, value: String)])
        /// Send the trailer frame as the last chunk and end the stream.
        case sendTrailerFrameAndEnd
        case none
    }

    /// The call ended with a status (from the backend, or made by the gateway).
    mutating func ended() -> OnEnd {
        let previous = state
        state = .finished
        switch previous {
        case .awaitingHead: return .sendTrailersOnly
        case .headReceived(let metadata): return .sendWholeResponse(metadata: metadata)
        case .buffering(let metadata): return .sendWholeResponse(metadata: metadata)
        case .streaming: return .sendTrailerFrameAndEnd
        case .finished: return .none
        }
    }

    /// The client went away. - Returns: whether the backend call must be cancelled.
    mutating func clientDisconnected() -> Bool {
        if case .finished = state { return false }
        state = .finished
        return true
    }
}
