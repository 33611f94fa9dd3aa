internal import Backend
internal import Config
internal import Frontend
internal import GRPCWire
internal import Reactor
internal import Schema

/// One gRPC-Web call: a browser's HTTP/1.1 request relayed as a gRPC call over HTTP/2, and the
/// reply relayed back, per gRPC's PROTOCOL-WEB.md.
///
/// Message bytes are never parsed: request frames go to the backend as they are (after the
/// framing is checked, so a malformed body never reaches a backend), and response frames go to
/// the client as they are, in binary or base64 text. The backend's trailers become the `0x80`
/// trailer frame, or HTTP headers when nothing else was sent (trailers-only).
///
/// The call is kept alive by its exchange (until the response is finished or the client leaves)
/// and by its backend stream (until the stream ends).
final class GRPCWebCall: BackendCall {
    /// What the request's content type says about the call.
    struct ContentType {
        /// The body is base64 text (`application/grpc-web-text`).
        var isText: Bool
        /// The codec suffix (`proto` unless the client named another, e.g. `json`).
        var codec: String

        /// Parses a gRPC-Web content type; nil if `value` is not one.
        init?(_ value: String?) {
            guard var type = value?.lowercased() else { return nil }
            if let semicolon = type.firstIndex(of: ";") {
                type = String(type[..<semicolon]).trimmingSpaces()
            }
            let rest: Substring
            if type.hasPrefix("application/grpc-web-text") {
                isText = true
                rest = type.dropFirst("application/grpc-web-text".count)
            } else if type.hasPrefix("application/grpc-web") {
                isText = false
                rest = type.dropFirst("application/grpc-web".count)
            } else {
                return nil
            }
            if rest.isEmpty {
                codec = "proto"
            } else if rest.hasPrefix("+"), rest.count > 1 {
                codec = String(rest.dropFirst())
            } else {
                return nil
            }
        }
    }

    private let textResponse: Bool
    private let responseContentType: String
    private let corsOrigin: String?
    private let cors: CORS
    private var scanner: FrameScanner
    /// Response bytes not yet sent: whole frames at the front, then at most one partial frame.
    /// In buffered mode it accumulates the whole reply.
    private let pending = Buffer()
    /// How many bytes at the front of `pending` are whole frames.
    private var completeBytes = 0
    private let maxBufferedReplyBytes: Int

    private init(
        exchange: HTTPExchange, mode: ResponseStateMachine.Mode, textResponse: Bool, codec: String, cors: CORS,
        corsOrigin: String?, maxResponseMessageBytes: Int, metrics: WorkerMetrics, callProtocol: CallProtocol,
        accessLog: AccessLogWriter?
    ) {
        self.textResponse = textResponse
        self.responseContentType = textResponse ? "application/grpc-web-text+\(codec)" : "application/grpc-web+\(codec)"
        self.cors = cors
        self.corsOrigin = corsOrigin
        self.scanner = FrameScanner(maxMessageLength: maxResponseMessageBytes)
        // One maximal message plus room for a few small ones and their prefixes.
        self.maxBufferedReplyBytes = maxResponseMessageBytes + 64 * 1024
        super.init(exchange: exchange, mode: mode, metrics: metrics, callProtocol: callProtocol, accessLog: accessLog)
    }

    /// Answers a gRPC-Web request with `status` without calling a backend (trailers-only).
    static func reject(exchange: HTTPExchange, contentType: ContentType, status: GRPCStatus, context: WorkerContext, corsOrigin: String?) {
        let call = make(exchange: exchange, contentType: contentType, context: context, corsOrigin: corsOrigin, mode: .buffered)
        call.finish(with: status, trailers: [])
    }

    /// Whether an Accept value names `application/grpc-web-text` anywhere, in any case. A byte
    /// scan: String's substring search builds a search table per call, a measurable cost per request.
    static func mentionsTextContentType(_ accept: String) -> Bool {
        let needle = Array("application/grpc-web-text".utf8)
        let bytes = Array(accept.utf8)
        guard bytes.count >= needle.count else { return false }
        outer: for start in 0...(bytes.count - needle.count) {
            for (offset, expected) in needle.enumerated() {
                var byte = bytes[start + offset]
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                if byte != expected { continue outer }
            }
            return true
        }
        return false
    }

    private static func make(
        exchange: HTTPExchange, contentType: ContentType, context: WorkerContext, corsOrigin: String?, mode: ResponseStateMachine.Mode
    ) -> GRPCWebCall {
        let accept = exchange.header("Accept") ?? ""
        // Text replies when the request was text, or when Accept asks for text anywhere in its list.
        let textResponse = contentType.isText || Self.mentionsTextContentType(accept)
        return GRPCWebCall(
            exchange: exchange, mode: mode, textResponse: textResponse, codec: contentType.codec, cors: context.cors,
            corsOrigin: corsOrigin, maxResponseMessageBytes: context.plan.configuration.limits.maxResponseMessageBytes,
            metrics: context.metrics, callProtocol: contentType.isText ? .grpcWebText : .grpcWeb,
            accessLog: context.accessLog)
    }

    /// Validates a gRPC-Web request and starts its backend call, or answers it with an error.
    static func start(
        exchange: HTTPExchange, contentType: ContentType, context: WorkerContext, corsOrigin: String?
    ) {
        let route = context.plan.route(forPath: exchange.path)
        let mode: ResponseStateMachine.Mode = (route?.method.serverStreaming ?? false) ? .streamed : .buffered
        let call = make(exchange: exchange, contentType: contentType, context: context, corsOrigin: corsOrigin, mode: mode)

        guard exchange.method == .post else {
            call.finish(with: GRPCStatus(.unimplemented, "gRPC-Web calls must use POST, not \(exchange.method.rawValue)"), trailers: [])
            return
        }
        guard let route else {
            call.finish(with: GRPCStatus(.unimplemented, "unknown method \(exchange.path): no routed service defines it"), trailers: [])
            return
        }
        let body: Buffer
        do {
            body = try requestMessages(
                of: exchange, isText: contentType.isText,
                maxMessageBytes: context.plan.configuration.limits.maxRequestBodyBytes)
        } catch {
            if error.code == .resourceExhausted { context.metrics.breach(.requestMessage) }
            call.finish(with: error, trailers: [])
            return
        }
        let backendContentType = contentType.codec == "proto" ? "application/grpc" : "application/grpc+\(contentType.codec)"
        let metadata: RequestMetadata
        do {
            metadata = try RequestMetadata.forGRPCWeb(
                exchange, backendContentType: backendContentType, deadlines: route.deadlines)
        } catch {
            call.finish(with: error, trailers: [])
            return
        }
        let stream: RPCStream
        do {
            stream = try context.backends[route.backendIndex].startCall(
                path: route.method.path, authority: metadata.authority, headers: metadata.headers, body: body,
                delegate: call)
        } catch {
            call.finish(with: error, trailers: [])
            return
        }
        call.joined(stream, loop: context.loop, deadlineNanoseconds: metadata.timeoutNanoseconds)
    }

    /// The request body's gRPC frames, checked: whole frames only, none over the limit, no
    /// trailer frames. Text bodies are base64-decoded (padding may appear between chunks).
    private static func requestMessages(of exchange: HTTPExchange, isText: Bool, maxMessageBytes: Int) throws(GRPCStatus) -> Buffer {
        let input = exchange.body
        let messages = Buffer()
        var scanner = FrameScanner(maxMessageLength: maxMessageBytes)
        if isText {
            var decoder = Base64StreamDecoder()
            var decoded: [UInt8] = []
            decoded.reserveCapacity(input.count / 4 * 3)
            do {
                try input.forEachSegment { (segment) throws(Base64StreamDecoder.Failure) in
                    try decoder.decode(segment, into: &decoded)
                }
                try decoder.finish()
            } catch {
                throw GRPCStatus(.invalidArgument, "gRPC-Web text body is not valid base64 at byte \(error.offset): \(error.reason)")
            }
            messages.append(decoded)
            do {
                try messages.forEachSegment { (segment) throws(FrameScanner.Failure) in
                    _ = try scanner.scan(segment)
                }
                try scanner.finish()
            } catch {
                throw status(forRequestFailure: error)
            }
        } else {
            do {
                try input.forEachSegment { (segment) throws(FrameScanner.Failure) in
                    _ = try scanner.scan(segment)
                }
                try scanner.finish()
            } catch {
                throw status(forRequestFailure: error)
            }
            messages.append(moving: input)
        }
        return messages
    }

    private static func status(forRequestFailure failure: FrameScanner.Failure) -> GRPCStatus {
        switch failure {
        case .messageTooLarge(let length, let limit):
            GRPCStatus(.resourceExhausted, "request message of \(length) bytes is larger than the limit of \(limit) bytes")
        case .truncated(let missing, let insidePrefix):
            GRPCStatus(
                .invalidArgument,
                insidePrefix
                    ? "request body ends inside a gRPC frame prefix (\(missing) of 5 bytes missing)"
                    : "request body ends inside a gRPC message (\(missing) bytes missing)")
        case .unexpectedTrailerFrame:
            GRPCStatus(.invalidArgument, "request body contains a trailer frame (flag 0x80); only message frames are allowed")
        }
    }

    // MARK: Ending

    /// Writes the reply for `status`: trailers-only, a whole response, or the trailer frame after
    /// the streamed messages.
    override func writeReply(_ status: GRPCStatus, trailers: [(name: String, value: String)]) {
        switch machine.ended() {
        case .sendTrailersOnly:
            var headers: [(name: String, value: String)] = [("Content-Type", responseContentType), ("grpc-status", String(status.code.rawValue))]
            if !status.message.isEmpty {
                headers.append(("grpc-message", GRPCMessageEncoding.encode(status.message)))
            }
            headers.append(contentsOf: trailers)
            appendCORS(to: &headers, exposing: trailers)
            exchange.respond(status: 200, headers: headers, body: nil)
        case .sendWholeResponse(let metadata):
            // Only whole frames go out; a partial one (the reply broke off) is dropped.
            let body = Buffer()
            body.append(moving: completeBytes, from: pending)
            completeBytes = 0
            body.append(trailerFrame(status, trailers))
            if textResponse {
                let text = base64(body.bytes)
                body.drain(body.count)
                body.append(text)
            }
            exchange.respond(status: 200, headers: responseHeaders(metadata), body: body)
        case .sendTrailerFrameAndEnd:
            let chunk = Buffer()
            let frame = trailerFrame(status, trailers)
            chunk.append(textResponse ? base64(frame) : frame)
            exchange.sendChunk(chunk)
            exchange.finishStreaming()
        case .none:
            break
        }
    }

    private func trailerFrame(_ status: GRPCStatus, _ trailers: [(name: String, value: String)]) -> [UInt8] {
        var frame: [UInt8] = []
        TrailerBlock.append(status: status, metadata: trailers, to: &frame)
        return frame
    }

    private func base64(_ bytes: [UInt8]) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(Base64.encodedLength(bytes.count))
        Base64.encode(bytes, into: &text)
        return text
    }

    private func responseHeaders(_ metadata: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("Content-Type", responseContentType)]
        headers.append(contentsOf: metadata)
        appendCORS(to: &headers, exposing: metadata)
        return headers
    }

    private func appendCORS(to headers: inout [(name: String, value: String)], exposing metadata: [(name: String, value: String)]) {
        guard let corsOrigin else { return }
        headers.append(contentsOf: cors.responseHeaders(origin: corsOrigin, exposing: metadata.map(\.name)))
    }

    // MARK: Sending messages

    private func flushMessages() {
        guard completeBytes > 0 else { return }
        switch machine.messagesReady() {
        case .startStreamAndSend(let metadata):
            exchange.startStreaming(status: 200, headers: responseHeaders(metadata))
            sendCompleteFrames()
        case .send:
            sendCompleteFrames()
        case .keep:
            // Buffered mode: whole frames stay in `pending` until the status arrives. A unary
            // reply is one message; a backend that keeps sending on a unary call must not grow
            // the buffer without bound.
            if completeBytes > maxBufferedReplyBytes {
                abandon(GRPCStatus(.resourceExhausted, "backend reply of more than \(maxBufferedReplyBytes) bytes for a non-streaming call"))
            }
        case .drop:
            pending.drain(completeBytes)
            completeBytes = 0
        }
    }

    private func sendCompleteFrames() {
        let count = completeBytes
        completeBytes = 0
        let chunk = Buffer()
        if textResponse {
            let frames = Buffer()
            frames.append(moving: count, from: pending)
            frames.withContiguousBytes { bytes in
                var text: [UInt8] = []
                Base64.encode(bytes, into: &text)
                chunk.append(text)
            }
        } else {
            chunk.append(moving: count, from: pending)
        }
        send(chunk)
    }
}

extension GRPCWebCall: RPCStreamDelegate {
    func rpcStream(_ stream: RPCStream, didReceiveHead metadata: [(name: String, value: String)]) {
        machine.headReceived(metadata)
    }

    func rpcStream(_ stream: RPCStream, didReceive bytes: UnsafeRawBufferPointer) {
        guard !machine.isFinished else {
            stream.consume(bytes.count)
            return
        }
        do {
            // The offset in `bytes` where the last frame completed: everything before it, and
            // everything already pending, is whole frames.
            let boundary = try scanner.scan(bytes, allowTrailerFrame: false)
            if boundary > 0 {
                completeBytes = pending.count + boundary
            }
        } catch {
            if case .messageTooLarge = error { metrics.breach(.responseMessage) }
            abandon(Self.status(forResponseFailure: error))
            return
        }
        pending.append(bytes)
        acknowledge(bytes.count, on: stream)
        flushMessages()
    }

    func rpcStream(_ stream: RPCStream, didFinishWith status: GRPCStatus, trailers: [(name: String, value: String)]) {
        self.stream = nil
        var status = status
        if status.code == .ok, !scanner.isAtFrameBoundary {
            status = GRPCStatus(.internalError, "backend reply ended inside a gRPC message")
        }
        finish(with: status, trailers: trailers)
    }

    private static func status(forResponseFailure failure: FrameScanner.Failure) -> GRPCStatus {
        switch failure {
        case .messageTooLarge(let length, let limit):
            GRPCStatus(.resourceExhausted, "backend reply message of \(length) bytes is larger than the limit of \(limit) bytes")
        case .unexpectedTrailerFrame:
            GRPCStatus(.internalError, "backend reply contains a frame with flag 0x80, which gRPC does not allow")
        case .truncated:
            GRPCStatus(.internalError, "backend reply ended inside a gRPC message")
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
