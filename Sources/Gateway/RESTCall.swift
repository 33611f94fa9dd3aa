internal import Backend
internal import Config
internal import Frontend
internal import GRPCWire
internal import ProtoJSON
internal import Reactor
internal import Routing
internal import Schema

/// One REST/JSON call: an HTTP/1.1 request mapped by a `google.api.http` binding (or the
/// `POST /pkg.Service/Method` auto-mapping) to a gRPC call, and the reply turned back into JSON.
///
/// Request: the body's JSON (or raw bytes for `google.api.HttpBody`) becomes protobuf wire bytes,
/// then query parameters and path variables are appended as encoded fields. Because protobuf
/// merges on concatenation (last scalar wins, messages merge, repeated fields append), a
/// path-bound field wins over the body and the query with no message tree built.
///
/// Reply: each gRPC message becomes one JSON document: the whole reply for unary methods, and
/// for server streams one chunk per message (NDJSON, a JSON array or Server-Sent Events), flushed
/// as it arrives. Errors are `google.rpc.Status` JSON with the canonical HTTP status; an error
/// after a stream started is made visible in the format's own way, never hidden behind a 200.
final class RESTCall: BackendCall {
    /// What a call needs to know about its binding; built from a ``RESTRoute`` or the auto-mapping.
    struct Target {
        var method: GatewayPlan.MethodRoute
        var body: HTTPBinding.Body
        var responseBody: FieldSchema?
        var variables: [ResolvedFieldPath]
        var json: JSONOptions
        var streaming: StreamingFormat
        var successStatus: Int
    }

    private let target: Target
    private let context: WorkerContext
    private var deframer: MessageDeframer
    private let encoder: ProtoJSONEncoder
    private let corsHeaders: [(name: String, value: String)]
    private lazy var requestDecoder = context.plan.json.decoder(options: Self.protoJSONOptions(target.json))
    /// Whole messages (as JSON, or raw HttpBody data) kept for a unary reply.
    private var keptReply: [UInt8]?
    private var keptContentType = "application/json"
    private var messagesSent = 0
    private let outputIsHTTPBody: Bool
    /// Set when the backend's reply broke the gRPC or protobuf rules: the client then gets 502
    /// (a bad gateway upstream), not the 500 of code 13's usual mapping.
    private var replyIsInvalid = false
    /// Set when a streamed request message passed `max_request_body`: the client gets 413, as for
    /// a whole body over the limit, not RESOURCE_EXHAUSTED's usual 429.
    private var requestMessageTooLarge = false

    private init(exchange: HTTPExchange, target: Target, context: WorkerContext, corsHeaders: [(name: String, value: String)]) {
        self.target = target
        self.context = context
        self.corsHeaders = corsHeaders
        let method = target.method.method
        self.deframer = MessageDeframer(maxMessageLength: context.plan.configuration.limits.maxResponseMessageBytes)
        var options = Self.protoJSONOptions(target.json)
        if method.serverStreaming {
            // One message per line (NDJSON) or per event (SSE): an indented document would break both.
            options.indent = 0
        }
        self.encoder = context.plan.json.encoder(options: options)
        let schema = context.plan.schema
        let outputName = target.responseBody.flatMap { $0.messageIndex.map { schema.message(at: $0).fullName } }
            ?? method.outputType
        self.outputIsHTTPBody = outputName == HTTPBodyMessage.fullName
        super.init(
            exchange: exchange, mode: method.serverStreaming ? .streamed : .buffered, metrics: context.metrics,
            callProtocol: .rest, accessLog: context.accessLog)
    }

    static func protoJSONOptions(_ json: JSONOptions) -> ProtoJSONOptions {
        ProtoJSONOptions(
            alwaysPrintFieldsWithNoPresence: json.emitDefaults, preserveProtoFieldNames: json.useProtoNames,
            enumsAsIntegers: json.enumsAsNumbers, indent: json.indent, ignoreUnknownFields: !json.rejectUnknownFields)
    }

    // MARK: Starting

    /// Builds the request from `exchange` and starts the backend call, or answers with an error.
    static func start(
        exchange: HTTPExchange, target: Target, pathBindings: [PathBinding], context: WorkerContext,
        corsHeaders: [(name: String, value: String)]
    ) {
        let call = RESTCall(exchange: exchange, target: target, context: context, corsHeaders: corsHeaders)
        if let unsupported = call.unsupportedContentType() {
            ErrorBody.respond(
                exchange,
                status: GRPCStatus(.invalidArgument, "content type \"\(unsupported)\" is not supported here; send application/json"),
                httpStatus: 415, extraHeaders: corsHeaders)
            return
        }
        let urlFields: [UInt8]
        let messages: [[UInt8]]
        // A client stream whose body is still arriving is sent on message by message as it comes.
        let streamsUpload = target.method.method.clientStreaming && !exchange.isBodyComplete
        do {
            urlFields = try call.urlFields(pathBindings: pathBindings)
            messages = streamsUpload ? [] : try call.requestMessages(urlFields: urlFields)
        } catch {
            call.respondWithError(error)
            return
        }
        let metadata: RequestMetadata
        do {
            metadata = try RequestMetadata.forREST(
                exchange, forwardedHeaders: context.plan.configuration.http.forwardedHeaders,
                deadlines: target.method.deadlines)
        } catch {
            call.respondWithError(error)
            return
        }
        let body = Buffer()
        for message in messages {
            appendFramed(message, to: body)
        }
        let stream: RPCStream
        do {
            stream = try context.backends[target.method.backendIndex].startCall(
                path: target.method.method.path, authority: metadata.authority, headers: metadata.headers,
                body: streamsUpload ? nil : body, endOfStream: !streamsUpload, delegate: call)
        } catch {
            call.respondWithError(error)
            return
        }
        call.joined(stream, loop: context.loop, deadlineNanoseconds: metadata.timeoutNanoseconds)
        if streamsUpload {
            exchange.limitsBodyStalls = false
            call.upload = Upload(
                splitter: JSONStream(maxElementBytes: context.plan.configuration.limits.maxRequestBodyBytes), urlFields: urlFields)
            call.pumpUpload()
        }
    }

    private static func appendFramed(_ message: [UInt8], to buffer: Buffer) {
        var frame: [UInt8] = []
        MessageFramer.appendPrefix(flags: 0, length: message.count, to: &frame)
        buffer.append(frame)
        buffer.append(message)
    }

    /// The fields that come from the URL (query parameters, then path variables), encoded once and
    /// appended to every message. Every value is written even when it is a default, so a
    /// path-bound field wins over the body.
    private func urlFields(pathBindings: [PathBinding]) throws(GRPCStatus) -> [UInt8] {
        let schema = context.plan.schema
        let inputIndex = target.method.method.inputIndex
        let fieldValues = context.plan.json.fieldValueEncoder
        var urlFields: [UInt8] = []
        func encode(_ value: String, at field: ResolvedFieldPath) throws(GRPCStatus) {
            do {
                // The field indices were resolved with the route: no name lookups per request.
                try fieldValues.encode(messageIndex: inputIndex, fieldPath: field.indices, value: value, into: &urlFields)
            } catch {
                throw GRPCStatus(.invalidArgument, "\(field.names.joined(separator: ".")): \(error.reason)")
            }
        }
        if target.body != .wholeRequest, let query = exchange.query, !query.isEmpty {
            let http = context.plan.configuration.http
            let policy: QueryParameters.UnknownParameterPolicy =
                http.ignoreUnknownQueryParameters ? .ignoreAll : (http.ignoredQueryParameters.isEmpty ? .reject : .ignore(Set(http.ignoredQueryParameters)))
            let assignments: [QueryParameters.Assignment]
            do {
                assignments = try QueryParameters(parsing: query).resolve(against: inputIndex, in: schema, unknown: policy)
            } catch {
                throw GRPCStatus(.invalidArgument, error.description)
            }
            for assignment in assignments {
                try encode(assignment.value, at: assignment.field)
            }
        }
        for (variable, binding) in zip(target.variables, pathBindings) {
            try encode(binding.value, at: variable)
        }
        return urlFields
    }

    /// One request message's wire bytes from its JSON; `label` prefixes an error's message.
    private func decodeMessage<Bytes: Collection<UInt8>>(_ json: Bytes, label: String) throws(GRPCStatus) -> [UInt8] {
        do {
            return try requestDecoder.decode(messageIndex: target.method.method.inputIndex, json: Array(json))
        } catch {
            throw GRPCStatus(.invalidArgument, "\(label)\(error.description)")
        }
    }

    /// The request messages' wire bytes, from a complete body: one for unary and server-streaming
    /// methods, one per NDJSON line or JSON array element for client-streaming ones.
    private func requestMessages(urlFields: [UInt8]) throws(GRPCStatus) -> [[UInt8]] {
        let schema = context.plan.schema
        let method = target.method.method
        let body = exchange.body.bytes

        if method.clientStreaming {
            var messages: [[UInt8]] = []
            for (index, element) in try JSONStream.elements(of: body).enumerated() {
                messages.append(try decodeMessage(element, label: "message \(index): ") + urlFields)
            }
            return messages
        }

        var message: [UInt8] = []
        switch target.body {
        case .none:
            break
        case .wholeRequest:
            if method.inputType == HTTPBodyMessage.fullName {
                message = HTTPBodyMessage.encode(contentType: exchange.header("Content-Type") ?? "", data: body)
            } else if !JSONStream.isBlank(body) {
                message = try decodeMessage(body, label: "")
            }
        case .field(let field):
            let fieldType = field.messageIndex.map { schema.message(at: $0).fullName }
            if fieldType == HTTPBodyMessage.fullName {
                let httpBody = HTTPBodyMessage.encode(contentType: exchange.header("Content-Type") ?? "", data: body)
                ProtoWire.appendLengthDelimited(number: field.number, httpBody, to: &message)
            } else if !JSONStream.isBlank(body) {
                // `{"<field>": <body>}` decoded as the request: the body is that field's JSON,
                // whatever its kind (message, repeated, map or scalar).
                var wrapped = Array("{\"\(field.name)\":".utf8)
                wrapped.append(contentsOf: body)
                wrapped.append(UInt8(ascii: "}"))
                message = try decodeMessage(wrapped, label: "")
            }
        }
        return [message + urlFields]
    }

    // MARK: Streaming a client's upload

    /// A client stream's body being forwarded as it arrives.
    private struct Upload {
        var splitter: JSONStream
        let urlFields: [UInt8]
        var messagesSent = 0
    }

    private var upload: Upload?
    private var isPumping = false
    private var pumpAgain = false
    /// Above this many request bytes queued for the backend, the client's body is left unread
    /// (so the server stops reading its socket) until the backend's window lets them out.
    private static let uploadHighWaterMark = 64 * 1024

    /// Moves body bytes that arrived into messages for the backend, as far as the backend takes
    /// them. Re-entrant calls (taking body bytes lets the server read more, which reports here)
    /// are folded into the running loop.
    private func pumpUpload() {
        guard upload != nil else { return }
        if isPumping {
            pumpAgain = true
            return
        }
        isPumping = true
        repeat {
            pumpAgain = false
            pumpUploadOnce()
        } while pumpAgain && upload != nil
        isPumping = false
    }

    private func pumpUploadOnce() {
        guard let stream, !machine.isFinished, !exchange.isDone else {
            upload = nil
            return
        }
        let body = exchange.body
        while stream.pendingOutboundBytes < Self.uploadHighWaterMark {
            guard !body.isEmpty || exchange.isBodyComplete else { return }
            do {
                var elements: [[UInt8]] = []
                if !body.isEmpty {
                    var bytes = [UInt8](repeating: 0, count: min(body.count, 16 * 1024))
                    _ = bytes.withUnsafeMutableBytes { body.remove(into: $0) }
                    elements = try upload!.splitter.feed(bytes)
                }
                let finished = exchange.isBodyComplete && body.isEmpty
                if finished { elements += try upload!.splitter.finish() }
                let messages = Buffer()
                for element in elements {
                    let message = try decodeMessage(element, label: "message \(upload!.messagesSent): ") + upload!.urlFields
                    upload!.messagesSent += 1
                    Self.appendFramed(message, to: messages)
                }
                if !messages.isEmpty || finished {
                    stream.send(messages, endOfStream: finished)
                }
                if finished {
                    upload = nil
                    return
                }
            } catch {
                upload = nil
                if error.code == .resourceExhausted {
                    requestMessageTooLarge = true
                    metrics.breach(.requestMessage)
                }
                abandon(error)
                return
            }
            exchange.bodyWasConsumed()
            if upload == nil { return }
        }
        stream.notifyWhenOutboundDrains()
    }

    override func exchangeDidReceiveBody(_ exchange: HTTPExchange) {
        pumpUpload()
    }

    func rpcStreamCanSendMore(_ stream: RPCStream) {
        pumpUpload()
    }

    /// The request's content type if the binding reads a JSON body and the type is not one read
    /// as JSON; nil when it is acceptable.
    private func unsupportedContentType() -> String? {
        guard let value = exchange.header("Content-Type"), !exchange.body.isEmpty else { return nil }
        let schema = context.plan.schema
        switch target.body {
        case .none:
            return nil
        case .wholeRequest:
            if target.method.method.inputType == HTTPBodyMessage.fullName { return nil }
        case .field(let field):
            if field.messageIndex.map({ schema.message(at: $0).fullName }) == HTTPBodyMessage.fullName { return nil }
        }
        let type = value.lowercased().split(separator: ";").first.map { String($0).trimmingSpaces() } ?? ""
        // curl -d sends application/x-www-form-urlencoded unless told otherwise; its body is
        // still read as JSON (and a body that is not JSON gets a JSON error saying where).
        let accepted = ["application/json", "application/x-ndjson", "application/x-www-form-urlencoded"]
        return accepted.contains(type) || type.hasSuffix("+json") ? nil : value
    }

    // MARK: Answering

    /// Answers an error made before any backend call (HTTP status from the code, B2).
    private func respondWithError(_ status: GRPCStatus) {
        count(status.code)
        _ = machine.ended()
        ErrorBody.respond(exchange, status: status, extraHeaders: corsHeaders)
        logAccess(status.code)
    }

    /// Writes the reply for `status`, in the way the response so far allows.
    override func writeReply(_ status: GRPCStatus, trailers: [(name: String, value: String)]) {
        let details = trailers.first { $0.name == "grpc-status-details-bin" }?.value
        var outcome = machine.ended()
        if case .sendTrailersOnly = outcome, status.code == .ok {
            // An OK with nothing before it: an empty stream (or a unary call with no reply).
            outcome = .sendWholeResponse(metadata: [])
        }
        switch outcome {
        case .sendTrailersOnly:
            respondStatus(status, metadata: [], trailers: trailers, details: details)
        case .sendWholeResponse(let metadata):
            if status.code != .ok {
                respondStatus(status, metadata: metadata, trailers: trailers, details: details)
                return
            }
            var headers = responseHeaders(metadata, trailers: trailers)
            let body = Buffer()
            if let reply = keptReply {
                body.append(reply)
                headers.insert(("Content-Type", keptContentType), at: 0)
            } else if machine.mode == .streamed {
                // A stream that ended cleanly with no messages.
                headers.insert(("Content-Type", streamContentType), at: 0)
                if target.streaming == .jsonArray && !outputIsHTTPBody { body.append("[]") }
            } else {
                replyIsInvalid = true
                respondStatus(
                    GRPCStatus(.internalError, "backend reply had no message"), metadata: metadata, trailers: trailers,
                    details: nil)
                return
            }
            exchange.respond(status: successStatus(metadata), headers: headers, body: body)
        case .sendTrailerFrameAndEnd:
            let chunk = Buffer()
            if status.code == .ok {
                if target.streaming == .jsonArray && !outputIsHTTPBody { chunk.append("]") }
                exchange.sendChunk(chunk)
                exchange.finishStreaming()
                return
            }
            if outputIsHTTPBody {
                // Raw bytes have no room for an error record: cut the response so it is seen as
                // incomplete rather than as a clean end.
                exchange.finishStreaming(closeConnection: true)
                return
            }
            let error = statusJSON(status, details: details)
            switch target.streaming {
            case .ndjson:
                chunk.append("{\"error\":")
                chunk.append(error)
                chunk.append("}\n")
                exchange.sendChunk(chunk)
                finishFailedStream(status)
            case .sse:
                chunk.append("event: error\ndata: ")
                chunk.append(error)
                chunk.append("\n\n")
                exchange.sendChunk(chunk)
                finishFailedStream(status)
            case .jsonArray:
                // No way to say "failed" inside an array: leave it unterminated and cut the
                // connection before the last chunk, so the client sees an incomplete response.
                exchange.finishStreaming(closeConnection: true)
            }
        case .none:
            break
        }
    }

    /// Ends a stream whose error record was written: with `grpc-status`/`grpc-message` trailers
    /// when the client asked for trailers, else with the usual last chunk.
    private func finishFailedStream(_ status: GRPCStatus) {
        guard exchange.acceptsTrailers else {
            exchange.finishStreaming()
            return
        }
        var trailers: [(name: String, value: String)] = [("grpc-status", String(status.code.rawValue))]
        if !status.message.isEmpty {
            trailers.append(("grpc-message", GRPCMessageEncoding.encode(status.message)))
        }
        exchange.finishStreaming(trailers: trailers)
    }

    private func respondStatus(
        _ status: GRPCStatus, metadata: [(name: String, value: String)], trailers: [(name: String, value: String)],
        details: String?
    ) {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        headers.append(contentsOf: responseHeaders(metadata, trailers: trailers))
        let body = Buffer()
        body.append(statusJSON(status, details: details))
        let httpStatus = replyIsInvalid ? 502 : requestMessageTooLarge ? 413 : StatusMapping.httpStatus(for: status.code)
        exchange.respond(status: httpStatus, headers: headers, body: body)
    }

    /// `google.rpc.Status` JSON: from `grpc-status-details-bin` when the backend sent one (so
    /// its details survive), else code and message.
    private func statusJSON(_ status: GRPCStatus, details: String?) -> [UInt8] {
        if let details, let json = StatusDetails.json(base64: details, encoder: context.plan.json.encoder()) {
            return json
        }
        return Array(ErrorBody.json(for: status).utf8)
    }

    private var streamContentType: String {
        switch target.streaming {
        case .ndjson: "application/x-ndjson"
        case .jsonArray: "application/json"
        case .sse: "text/event-stream"
        }
    }

    /// A backend may choose the success status with an `x-http-code` response header.
    private func successStatus(_ metadata: [(name: String, value: String)]) -> Int {
        if let value = metadata.first(where: { $0.name == "x-http-code" })?.value, let code = Int(value), (200...299).contains(code) {
            return code
        }
        return target.successStatus
    }

    private func responseHeaders(
        _ metadata: [(name: String, value: String)], trailers: [(name: String, value: String)] = []
    ) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        // grpc-* names (grpc-accept-encoding, grpc-status-details-bin, …) are the protocol's,
        // not the application's metadata.
        for entry in metadata where entry.name != "x-http-code" && !entry.name.hasPrefix("grpc-") {
            headers.append(("grpc-metadata-\(entry.name)", entry.value))
        }
        for entry in trailers where !entry.name.hasPrefix("grpc-") {
            headers.append(("grpc-trailer-\(entry.name)", entry.value))
        }
        headers.append(contentsOf: corsHeaders)
        return headers
    }

    // MARK: Messages

    /// Turns one reply message into what the client gets: JSON, or an HttpBody's raw data.
    private func render(_ message: [UInt8]) throws(GRPCStatus) -> (contentType: String, bytes: [UInt8]) {
        let schema = context.plan.schema
        let method = target.method.method
        var payload = message
        var messageIndex = method.outputIndex
        if let field = target.responseBody {
            guard let fields = try? ProtoWire.fields(of: message) else {
                replyIsInvalid = true
                throw GRPCStatus(.internalError, "backend reply is not a valid protobuf message")
            }
            let occurrences = fields.filter { $0.number == field.number }
            if let index = field.messageIndex, !field.isRepeated {
                // A singular message field: its bytes are that message (occurrences merge).
                payload = occurrences.flatMap { Array(message[$0.value]) }
                messageIndex = index
            } else {
                // Any other kind: encode the reply with only that field, {"field": value}, and
                // keep the value; a field at its default is absent there, so print the default.
                let only = occurrences.flatMap { Array(message[$0.tagged]) }
                do {
                    let compact = context.plan.json.encoder(options: Self.protoJSONOptions(JSONOptions(
                        useProtoNames: true, enumsAsNumbers: target.json.enumsAsNumbers)))
                    let object = try compact.encode(messageIndex: method.outputIndex, wireBytes: only)
                    let value = object.count > 2 ? Self.valueOfSingleMemberObject(object) : defaultJSON(for: field)
                    return ("application/json", value)
                } catch {
                    replyIsInvalid = true
                    throw GRPCStatus(.internalError, "backend reply cannot be written as JSON: \(error.description)")
                }
            }
        }
        if outputIsHTTPBody {
            guard let body = try? HTTPBodyMessage.decode(payload) else {
                replyIsInvalid = true
                throw GRPCStatus(.internalError, "backend reply is not a valid google.api.HttpBody")
            }
            return (body.contentType.isEmpty ? "application/octet-stream" : body.contentType, Array(body.data))
        }
        do {
            return ("application/json", try encoder.encode(messageIndex: messageIndex, wireBytes: payload))
        } catch {
            replyIsInvalid = true
            throw GRPCStatus(.internalError, "backend reply cannot be written as JSON: \(error.description)")
        }
    }

    /// The JSON of a field at its default value, as ProtoJSON prints it with defaults emitted.
    private func defaultJSON(for field: FieldSchema) -> [UInt8] {
        if field.isMap { return Array("{}".utf8) }
        if field.isRepeated { return Array("[]".utf8) }
        switch field.type {
        case .string, .bytes: return Array("\"\"".utf8)
        case .bool: return Array("false".utf8)
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: return Array("\"0\"".utf8)
        case .enum:
            if !target.json.enumsAsNumbers, let index = field.enumIndex,
                let zero = context.plan.schema.enumeration(at: index).value(number: 0)
            {
                return Array("\"\(zero.name)\"".utf8)
            }
            return Array("0".utf8)
        case .message, .group: return Array("null".utf8)
        default: return Array("0".utf8)
        }
    }

    /// The value of a compact `{"name":value}` object (`{}` → `null`).
    static func valueOfSingleMemberObject(_ object: [UInt8]) -> [UInt8] {
        guard let colon = object.firstIndex(of: UInt8(ascii: ":")), object.count >= 2 else { return Array("null".utf8) }
        return Array(object[(colon + 1)..<(object.count - 1)])
    }

    private func messageArrived(_ message: [UInt8]) throws(GRPCStatus) {
        let (contentType, bytes) = try render(message)
        switch machine.messagesReady() {
        case .keep:
            if keptReply != nil, !target.method.method.serverStreaming {
                replyIsInvalid = true
                    throw GRPCStatus(.internalError, "backend sent more than one reply message for a unary method")
            }
            keptReply = bytes
            keptContentType = contentType
        case .startStreamAndSend(let metadata):
            var headers = responseHeaders(metadata)
            headers.insert(("Content-Type", outputIsHTTPBody ? contentType : streamContentType), at: 0)
            if target.streaming == .sse { headers.append(("Cache-Control", "no-cache")) }
            exchange.startStreaming(status: successStatus(metadata), headers: headers)
            sendMessage(bytes)
        case .send:
            sendMessage(bytes)
        case .drop:
            break
        }
    }

    private func sendMessage(_ bytes: [UInt8]) {
        let chunk = Buffer()
        if outputIsHTTPBody {
            chunk.append(bytes)
        } else {
            switch target.streaming {
            case .ndjson:
                chunk.append(bytes)
                chunk.append("\n")
            case .jsonArray:
                chunk.append(messagesSent == 0 ? "[" : ",")
                chunk.append(bytes)
            case .sse:
                chunk.append("data: ")
                chunk.append(bytes)
                chunk.append("\n\n")
            }
        }
        messagesSent += 1
        send(chunk)
    }
}

extension RESTCall: RPCStreamDelegate {
    func rpcStream(_ stream: RPCStream, didReceiveHead metadata: [(name: String, value: String)]) {
        machine.headReceived(metadata)
    }

    func rpcStream(_ stream: RPCStream, didReceive bytes: UnsafeRawBufferPointer) {
        guard !machine.isFinished else {
            stream.consume(bytes.count)
            return
        }
        deframer.append(bytes)
        acknowledge(bytes.count, on: stream)
        do {
            while let frame = try deframer.next() {
                guard !frame.isTrailer else {
                    replyIsInvalid = true
                    throw GRPCStatus(.internalError, "backend reply contains a frame with flag 0x80, which gRPC does not allow")
                }
                guard frame.flags & MessageFramer.compressedFlag == 0 else {
                    replyIsInvalid = true
                    throw GRPCStatus(.internalError, "backend sent a compressed message; the gateway does not ask for compression")
                }
                try messageArrived(frame.payload)
            }
        } catch let failure as FrameScanner.Failure {
            context.metrics.breach(.responseMessage)
            abandon(GRPCStatus(.resourceExhausted, "backend reply message is larger than the limit: \(failure)"))
        } catch let status as GRPCStatus {
            abandon(status)
        } catch {
            abandon(GRPCStatus(.internalError, "\(error)"))
        }
    }


    func rpcStream(_ stream: RPCStream, didFinishWith status: GRPCStatus, trailers: [(name: String, value: String)]) {
        self.stream = nil
        var status = status
        if status.code == .ok, deframer.bufferedByteCount > 0 {
            replyIsInvalid = true
            status = GRPCStatus(.internalError, "backend reply ended inside a gRPC message")
        }
        finish(with: status, trailers: trailers)
    }
}
