internal import Backend
internal import Glibc
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
        if let problem = Self.framingProblem(exchange) {
            // Ambiguous framing is how requests are smuggled past a proxy in front of us: refuse
            // it outright rather than guess which header the other hop believed.
            answer(exchange, started: started, status: GRPCStatus(.invalidArgument, problem), extraHeaders: [("Connection", "close")])
            return
        }
        if CORS.isPreflight(exchange) {
            context.cors.answerPreflight(exchange)
            record(exchange, code: exchange.responseStatus == 204 ? .ok : .permissionDenied, started: started)
            return
        }
        let corsOrigin = context.cors.allowedOrigin(of: exchange)
        let contentTypeValue = exchange.header("Content-Type")
        let limit = context.plan.configuration.limits.maxRequestBodyBytes
        let bodyTooLarge = exchange.body.count > limit
        let tooLarge = GRPCStatus(.resourceExhausted, "request body of \(exchange.body.count) bytes is larger than the limit of \(limit) bytes")
        if bodyTooLarge {
            context.metrics.breach(.requestBody)
        }
        if let contentType = GRPCWebCall.ContentType(contentTypeValue) {
            if bodyTooLarge {
                GRPCWebCall.reject(exchange: exchange, contentType: contentType, status: tooLarge, context: context, corsOrigin: corsOrigin)
                return
            }
            GRPCWebCall.start(exchange: exchange, contentType: contentType, context: context, corsOrigin: corsOrigin)
            return
        }
        let corsHeaders = corsOrigin.map { context.cors.responseHeaders(origin: $0, exposing: []) } ?? []
        if bodyTooLarge {
            answer(exchange, started: started, status: tooLarge, httpStatus: 413, extraHeaders: corsHeaders)
            return
        }
        switch context.plan.restRoutes.match(method: exchange.method.rawValue, path: exchange.path) {
        case .matched(let match):
            let route = match.payload
            let target = RESTCall.Target(
                method: route.target, body: route.binding.body, responseBody: route.binding.responseBody,
                variables: route.binding.variables, json: route.json, streaming: route.streaming,
                successStatus: route.successStatus)
            RESTCall.start(
                exchange: exchange, target: target, pathBindings: match.bindings, context: context, corsHeaders: corsHeaders)
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
            RESTCall.start(exchange: exchange, target: target, pathBindings: [], context: context, corsHeaders: corsHeaders)
            return
        }
        answer(
            exchange, started: started, status: GRPCStatus(.notFound, "no route for \(exchange.method.rawValue) \(exchange.path)"),
            extraHeaders: corsHeaders)
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

    /// What is wrong with the request's framing headers, if anything: more than one
    /// `Content-Length` or `Host` (RFC 9112 §6.3 and §3.2 say to reject both), which evhttp
    /// accepts by taking the first.
    static func framingProblem(_ exchange: HTTPExchange) -> String? {
        var contentLengths = 0
        var hosts = 0
        exchange.forEachHeader { name, _ in
            if strcasecmp(name, "content-length") == 0 { contentLengths += 1 }
            if strcasecmp(name, "host") == 0 { hosts += 1 }
        }
        if contentLengths > 1 { return "the request has \(contentLengths) Content-Length headers" }
        if hosts > 1 { return "the request has \(hosts) Host headers" }
        return nil
    }
}
