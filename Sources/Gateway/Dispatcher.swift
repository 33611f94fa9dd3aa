internal import Backend
internal import Frontend
internal import Schema
internal import Config
internal import GRPCWire
internal import Reactor
internal import Routing

/// What one worker shares between its calls: the frozen plan, and the worker's own loop and
/// backend connection pools (never touched from another thread).
final class WorkerContext {
    let loop: EventLoop
    let plan: GatewayPlan
    let cors: CORS
    /// One cluster per configured backend, in ``GatewayPlan/backends`` order.
    let backends: [BackendCluster]
    /// This worker's counters, summed with the others' by the admin listener; the same object
    /// for the worker's whole life, handed from context to context by reloads.
    let metrics: WorkerMetrics
    /// The access log, shared by every worker; nil when none is kept.
    let accessLog: AccessLogWriter?

    /// - Throws: ``BackendError`` if a backend's TLS files cannot be loaded (checked at start too).
    init(loop: EventLoop, plan: GatewayPlan, accessLog: AccessLogWriter?, metrics: WorkerMetrics) throws(BackendError) {
        self.metrics = metrics
        self.accessLog = accessLog
        self.loop = loop
        self.plan = plan
        self.cors = CORS(policy: plan.configuration.cors)
        self.backends = try plan.backends.map { (backend) throws(BackendError) in try BackendCluster(loop: loop, configuration: backend) }
    }
}

/// Decides what each request is and who answers it. Nothing that fails to match is forwarded:
///
/// | request | answered by |
/// |---|---|
/// | `OPTIONS` with `Origin` and `Access-Control-Request-Method` | the gateway (CORS preflight) |
/// | a gRPC-Web content type | ``GRPCWebCall`` |
/// | a body over the limit | the gateway: 413 |
/// | a request the front end cannot read | the gateway: 400, 408, 414, 431, 501 or 505 (``errorResponse(for:)``) |
/// | a `google.api.http` binding matches method and path | ``RESTCall`` |
/// | the path matches a binding, the method does not | the gateway: 405 with `Allow` |
/// | `POST /package.Service/Method` of a routed method (JSON) | ``RESTCall`` (auto-mapping) |
/// | anything else | the gateway: 404 |
///
/// Errors for requests that are not gRPC-Web are `google.rpc.Status` JSON (``ErrorBody``).
final class Dispatcher: HTTPRequestHandler {
    /// Replaced by a configuration reload, on this worker's thread between two requests
    /// (``WorkerReload``). Each request reads it once: calls keep the context they started with.
    var context: WorkerContext

    init(context: WorkerContext) {
        self.context = context
    }

    func handle(_ exchange: HTTPExchange) {
        let context = self.context
        let started = ContinuousClock.now
        if CORS.isPreflight(exchange) {
            context.cors.answerPreflight(exchange)
            record(exchange, code: exchange.responseStatus == 204 ? .ok : .permissionDenied, started: started)
            return
        }
        let corsOrigin = context.cors.allowedOrigin(of: exchange)
        if let contentType = GRPCWebCall.ContentType(exchange.header("Content-Type")) {
            whenBodyIsWhole(exchange) {
                GRPCWebCall.start(exchange: exchange, contentType: contentType, context: $0, corsOrigin: corsOrigin)
            } tooLarge: { context, status in
                GRPCWebCall.reject(exchange: exchange, contentType: contentType, status: status, context: context, corsOrigin: corsOrigin)
            }
            return
        }
        let corsHeaders = corsOrigin.map { context.cors.responseHeaders(origin: $0, exposing: []) } ?? []
        switch context.plan.restRoutes.match(method: exchange.method.rawValue, path: exchange.path) {
        case .matched(let match):
            let route = match.payload
            let target = RESTCall.Target(
                method: route.target, body: route.binding.body, responseBody: route.binding.responseBody,
                variables: route.binding.variables, json: route.json, streaming: route.streaming,
                successStatus: route.successStatus)
            startREST(exchange, target: target, pathBindings: match.bindings, corsHeaders: corsHeaders, started: started)
            return
        case .methodNotAllowed(let allowed):
            answer(
                exchange, started: started,
                status: GRPCStatus(
                    .unimplemented, "\(exchange.path) does not accept \(exchange.method.rawValue); it accepts \(allowed.joined(separator: ", "))"),
                httpStatus: 405, extraHeaders: [("Allow", allowed.joined(separator: ", "))] + corsHeaders)
            return
        case .invalidPath(let error):
            answer(exchange, started: started, status: GRPCStatus(.invalidArgument, error.description), extraHeaders: corsHeaders)
            return
        case .notFound:
            break
        }
        if let route = context.plan.route(forPath: exchange.path) {
            // Auto-mapping: POST /package.Service/Method with a JSON body works for every routed method.
            guard exchange.method == .post else {
                answer(
                    exchange, started: started,
                    status: GRPCStatus(.unimplemented, "\(exchange.path) accepts POST with a JSON body or gRPC-Web, not \(exchange.method.rawValue)"),
                    httpStatus: 405, extraHeaders: [("Allow", "POST")] + corsHeaders)
                return
            }
            let http = context.plan.configuration.http
            let target = RESTCall.Target(
                method: route, body: .wholeRequest, responseBody: nil, variables: [], json: http.json,
                streaming: http.streaming, successStatus: 200)
            startREST(exchange, target: target, pathBindings: [], corsHeaders: corsHeaders, started: started)
            return
        }
        answer(
            exchange, started: started, status: GRPCStatus(.notFound, "no route for \(exchange.method.rawValue) \(exchange.path)"),
            extraHeaders: corsHeaders)
    }

    /// Starts a REST call: at once for a client stream whose body is still arriving (it is
    /// forwarded message by message as it comes), else once the whole body is in.
    private func startREST(
        _ exchange: HTTPExchange, target: RESTCall.Target, pathBindings: [PathBinding], corsHeaders: [(name: String, value: String)],
        started: ContinuousClock.Instant
    ) {
        if target.method.method.clientStreaming, !exchange.isBodyComplete, exceedsLimit(exchange.declaredBodyLength ?? 0) == nil {
            RESTCall.start(exchange: exchange, target: target, pathBindings: pathBindings, context: context, corsHeaders: corsHeaders)
            return
        }
        whenBodyIsWhole(exchange) {
            RESTCall.start(exchange: exchange, target: target, pathBindings: pathBindings, context: $0, corsHeaders: corsHeaders)
        } tooLarge: { [self] _, status in
            answer(exchange, started: started, status: status, httpStatus: 413, extraHeaders: corsHeaders)
        }
    }

    /// The error for a body of `count` bytes if it is over the limit.
    private func exceedsLimit(_ count: Int) -> GRPCStatus? {
        let limit = context.plan.configuration.limits.maxRequestBodyBytes
        guard count > limit else { return nil }
        return GRPCStatus(.resourceExhausted, "request body of \(count) bytes is larger than the limit of \(limit) bytes")
    }

    /// Runs `then` once the whole request body is in `exchange.body` (at once for the usual small
    /// request, which arrives with its head), or `tooLarge` as soon as it is known to exceed
    /// `max_request_body`: from its `Content-Length`, or when that many bytes have come.
    private func whenBodyIsWhole(
        _ exchange: HTTPExchange, then: @escaping (WorkerContext) -> Void, tooLarge: @escaping (WorkerContext, GRPCStatus) -> Void
    ) {
        let context = self.context
        let limit = context.plan.configuration.limits.maxRequestBodyBytes
        if let status = exceedsLimit(max(exchange.declaredBodyLength ?? 0, exchange.body.count)) {
            context.metrics.breach(.requestBody)
            tooLarge(context, status)
            return
        }
        if exchange.isBodyComplete {
            then(context)
            return
        }
        BodyCollector.collect(exchange, limit: limit) {
            then(context)
        } tooLarge: {
            context.metrics.breach(.requestBody)
            // A chunked body has no length up front: all that is known is that it passed the limit.
            tooLarge(context, GRPCStatus(.resourceExhausted, "request body is larger than the limit of \(limit) bytes"))
        }
    }

    /// The gateway's own answer to a request the front end could not read: `google.rpc.Status` JSON.
    func errorResponse(for error: HTTPRequestError) -> (contentType: String, body: String) {
        let code: GRPCStatusCode =
            switch error.status {
            case 408: .deadlineExceeded
            case 414, 431: .resourceExhausted
            case 501, 505: .unimplemented
            default: .invalidArgument
            }
        if error.status == 414 || error.status == 431 { context.metrics.breach(.requestHead) }
        if error.status == 408 { context.metrics.breach(.requestTimeout) }
        context.metrics.record(.gateway, code: code, started: .now)
        return ("application/json", ErrorBody.json(for: GRPCStatus(code, error.reason)))
    }

    func connectionWasRefused() {
        context.metrics.breach(.connections)
    }

    /// Answers `exchange` with `status` as JSON (the gateway's own error) and records it.
    private func answer(
        _ exchange: HTTPExchange, started: ContinuousClock.Instant, status: GRPCStatus, httpStatus: Int? = nil,
        extraHeaders: [(name: String, value: String)] = []
    ) {
        ErrorBody.respond(exchange, status: status, httpStatus: httpStatus, extraHeaders: extraHeaders)
        record(exchange, code: status.code, started: started)
    }

    /// Counts and logs a request the gateway answered itself, without a backend call.
    private func record(_ exchange: HTTPExchange, code: GRPCStatusCode, started: ContinuousClock.Instant) {
        context.metrics.record(.gateway, code: code, started: started)
        context.accessLog?.write(
            .init(
                protocolName: CallProtocol.gateway.label, method: exchange.method.rawValue, path: exchange.path,
                httpStatus: exchange.responseStatus ?? 0, grpcCode: code.name, duration: ContinuousClock.now - started,
                peer: exchange.peerAddress))
    }
}
